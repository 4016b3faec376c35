"""The words of the generated province (bench/province.py): names of people and places,
meeting titles, agenda items, document titles, paragraphs and comments, in the register a
branch's papers are written in, so pages, JSON and TOAST sizes are those of real ones.

Kept apart from the generator so the generator reads as the data model it fills.
"""

from __future__ import annotations

#: Family names, the Kinh's most common first, then those of the northern mountains.
FAMILY = (
    "Nguyễn Nguyễn Nguyễn Trần Trần Lê Lê Phạm Hoàng Huỳnh Phan Vũ Võ Đặng Bùi Đỗ Hồ Ngô "
    "Dương Lý Đinh Trịnh Mai Đào Cao Lương Tạ Hà Lò Nông Triệu Ma Lục Vàng Lường Sầm Cầm Hứa "
    "Hoàng Bế Chu Giàng Thào Sùng"
).split()
MIDDLE_MEN = "Văn Văn Văn Đức Minh Hữu Quang Công Xuân Thanh Ngọc Đình Trọng Quốc Bá A".split()
MIDDLE_WOMEN = "Thị Thị Thị Thị Ngọc Thu Thanh Minh Kim Hồng Mỹ Bích Phương".split()
GIVEN_MEN = (
    "Thắng Dũng Hùng Cường Hải Long Nam Sơn Tuấn Minh Quang Toàn Thành Trung Hiếu Phúc Khánh "
    "Bình An Đạt Lâm Tài Vinh Hòa Páo Chớ Sình Lử Thào Phong Kiên Nghĩa Tiến Thịnh"
).split()
GIVEN_WOMEN = (
    "Mai Hoa Lan Hạnh Hương Hằng Thu Huyền Nga Yến Linh Trang Thảo Nhung Dung Loan Phượng "
    "Hiền Vân Oanh Tuyết Xuân Mỷ Dín Sua Chi Ngân Quỳnh"
).split()

PROVINCE = "Tỉnh Sơn Lâm"
COMMUNE_HEADS = (
    "Tân Hòa Bình An Phú Thạnh Đông Tây Nam Bắc Vĩnh Long Thuận Hưng Quang Minh Xuân Thanh "
    "Yên Trung Đại Hợp Tiến Phúc Lạc Sơn Kim Hồng Nghĩa Đức"
).split()
COMMUNE_TAILS = (
    "Tiến Lợi Hòa Phong Thịnh Lập Thành Hưng Khánh Bình Sơn Lâm Xuân Hải Châu Mỹ Trung Lộc Tân An"
).split()
BRANCH_KINDS = (
    "thôn {x}",
    "bản {x}",
    "tổ dân phố số {n}",
    "khu dân cư {x}",
    "xóm {x}",
)
HAMLETS = (
    "Nà Phìa Khuổi Luông Nà Tấu Bản Mới Cốc Phường Pác Bó Nà Mạ Lũng Pảng Nặm Cắt Kéo Sỹ "
    "Đồng Tâm Tân Lập Hòa Bình Thống Nhất Bình Minh Đoàn Kết Quyết Tiến Làng Chiềng Nà Hang "
    "Phiêng Luông Khau Vai Nà Lòa Bản Chang Thượng Hạ Đông Tây Nam Trung"
).split()
INSTITUTIONS = (
    "Trường Mầm non",
    "Trường Tiểu học",
    "Trường Trung học cơ sở",
    "Trạm Y tế",
    "Công an xã",
    "Quân sự xã",
    "Hợp tác xã Nông nghiệp",
    "Cơ quan Ủy ban nhân dân",
)

AGENDA = (
    "Đánh giá kết quả thực hiện nghị quyết tháng trước",
    "Phổ biến văn bản mới của cấp trên",
    "Thông tin thời sự trong nước và quốc tế",
    "Thảo luận kế hoạch chuyển đổi số của thôn",
    "Công tác phát triển đảng viên và bồi dưỡng quần chúng ưu tú",
    "Thu, nộp đảng phí và quản lý đảng viên",
    "Công tác bảo đảm an ninh trật tự trên địa bàn",
    "Bàn nhiệm vụ tháng tới và biểu quyết nghị quyết",
)
THEMES = (
    "Học tập và làm theo tư tưởng, đạo đức, phong cách Hồ Chí Minh",
    "Xây dựng nông thôn mới nâng cao",
    "Phòng, chống tham nhũng, tiêu cực",
    "Bảo vệ nền tảng tư tưởng của Đảng",
    "Chuyển đổi số trong sinh hoạt chi bộ",
    "Giảm nghèo bền vững",
)
DOCUMENT_TITLES = (
    "Dự thảo Nghị quyết tháng {m}/{y}",
    "Báo cáo kết quả thực hiện nhiệm vụ tháng {m}/{y}",
    "Kế hoạch công tác tháng {m}/{y}",
    "Thông báo kết luận của Đảng ủy xã",
    "Hướng dẫn nội dung sinh hoạt chi bộ tháng {m}/{y}",
    "Tài liệu thông tin thời sự tháng {m}/{y}",
    "Danh sách đảng viên và tình hình thu nộp đảng phí",
    "Tờ trình về việc xét kết nạp đảng viên",
    "Báo cáo tình hình an ninh trật tự",
    "Văn bản chỉ đạo của cấp trên",
    "Kế hoạch tổ chức hội nghị học tập nghị quyết",
    "Biên bản sinh hoạt chi bộ tháng trước",
)
HEADINGS = (
    "I. ĐÁNH GIÁ KẾT QUẢ THỰC HIỆN NHIỆM VỤ",
    "II. PHƯƠNG HƯỚNG, NHIỆM VỤ THÁNG TỚI",
    "III. TỔ CHỨC THỰC HIỆN",
    "1. Công tác xây dựng Đảng",
    "2. Phát triển kinh tế, xã hội",
    "3. Quốc phòng, an ninh",
    "4. Công tác dân vận và các đoàn thể",
    "5. Những hạn chế, tồn tại và nguyên nhân",
)
SENTENCES = (
    "Chi bộ duy trì sinh hoạt định kỳ vào ngày 05 hằng tháng, tỷ lệ đảng viên dự sinh hoạt đạt "
    "trên 95%, nội dung sinh hoạt được chuẩn bị chu đáo và gửi trước cho đảng viên.",
    "Trong tháng, chi bộ đã lãnh đạo nhân dân hoàn thành thu hoạch vụ mùa, năng suất lúa ước "
    "đạt 52 tạ/ha, tăng 3 tạ/ha so với cùng kỳ năm trước.",
    "Công tác tuyên truyền, phổ biến các chủ trương của Đảng, chính sách, pháp luật của Nhà nước "
    "được thực hiện thường xuyên qua hệ thống loa truyền thanh và các buổi họp thôn.",
    "Đảng viên gương mẫu thực hiện các quy định nơi cư trú, tham gia đầy đủ các phong trào do "
    "địa phương phát động, không có đảng viên vi phạm tư cách.",
    "Tình hình an ninh chính trị, trật tự an toàn xã hội trên địa bàn ổn định; không xảy ra "
    "vụ việc phức tạp, kéo dài.",
    "Chi bộ đã giới thiệu 02 quần chúng ưu tú tham gia lớp bồi dưỡng nhận thức về Đảng do Trung "
    "tâm Chính trị tổ chức.",
    "Việc thu, nộp đảng phí được thực hiện đầy đủ, đúng quy định; sổ sách được ghi chép rõ ràng, "
    "công khai trước chi bộ.",
    "Phong trào xây dựng nông thôn mới tiếp tục được duy trì, nhân dân hiến 450 m2 đất và đóng "
    "góp trên 120 ngày công để làm đường bê tông liên xóm.",
    "Một số đảng viên chưa thực sự gương mẫu trong việc tham gia các hoạt động chung, việc ứng "
    "dụng công nghệ thông tin trong sinh hoạt chi bộ còn hạn chế.",
    "Nguyên nhân của những hạn chế trên là do một bộ phận đảng viên tuổi cao, điều kiện đi lại "
    "khó khăn, sóng điện thoại ở một số xóm còn yếu.",
    "Tiếp tục đẩy mạnh việc học tập và làm theo tư tưởng, đạo đức, phong cách Hồ Chí Minh gắn "
    "với thực hiện các nghị quyết của Đảng bộ xã.",
    "Lãnh đạo nhân dân chuẩn bị tốt các điều kiện cho sản xuất vụ đông xuân, chủ động phòng "
    "chống đói, rét cho gia súc trong mùa đông.",
    "Phân công đảng viên phụ trách hộ gia đình, nắm chắc tình hình tư tưởng của nhân dân, kịp "
    "thời phản ánh những vấn đề phát sinh với chi ủy.",
    "Đề nghị các đồng chí đảng viên nghiên cứu kỹ tài liệu trước buổi sinh hoạt và tham gia ý "
    "kiến vào dự thảo nghị quyết qua ứng dụng Sổ tay đảng viên.",
    "Chi ủy giao đồng chí phó bí thư chủ trì, phối hợp với Ban công tác Mặt trận thôn triển "
    "khai thực hiện và báo cáo kết quả tại kỳ sinh hoạt tiếp theo.",
    "Tổng số đảng viên của chi bộ là 25 đồng chí, trong đó đảng viên chính thức 23 đồng chí, "
    "đảng viên dự bị 02 đồng chí, miễn sinh hoạt 01 đồng chí.",
    "Thực hiện Kế hoạch số 45-KH/ĐU ngày 12/10 của Đảng ủy xã về chuyển đổi số trong các tổ "
    "chức cơ sở đảng, chi bộ đã hướng dẫn 100% đảng viên cài đặt ứng dụng.",
    "Các đoàn thể chính trị - xã hội hoạt động có hiệu quả, Hội Phụ nữ vận động hội viên tham "
    "gia tổ tiết kiệm và vay vốn phát triển sản xuất.",
    "Công tác chăm sóc sức khỏe nhân dân được quan tâm, tỷ lệ người dân tham gia bảo hiểm y tế "
    "đạt 96,5%, trẻ em trong độ tuổi được tiêm chủng đầy đủ.",
    "Chi bộ thống nhất đề nghị Đảng ủy xã xem xét, công nhận đảng viên dự bị trở thành đảng "
    "viên chính thức đối với 01 đồng chí đủ điều kiện.",
)
COMMENTS = (
    "Tôi nhất trí với dự thảo nghị quyết.",
    "Đề nghị bổ sung chỉ tiêu về tỷ lệ hộ dùng nước sạch vào phần nhiệm vụ tháng tới.",
    "Số liệu năng suất lúa ở đoạn này cần kiểm tra lại với báo cáo của hợp tác xã.",
    "Đồng ý. Đề nghị chi ủy phân công cụ thể người phụ trách từng xóm.",
    "Tôi đề nghị đưa nội dung sửa đường liên xóm vào nghị quyết để nhân dân biết và cùng làm.",
    "Phần hạn chế nên nói rõ hơn nguyên nhân chủ quan, không chỉ nguyên nhân khách quan.",
    "Cảm ơn đồng chí bí thư, tài liệu gửi sớm nên tôi đã đọc kỹ trước khi họp.",
    "Xóm tôi sóng điện thoại yếu, đề nghị chi bộ in thêm vài bản giấy cho các đồng chí cao tuổi.",
    "Nhất trí. Tôi xin nhận phụ trách vận động các hộ ở xóm Đông tham gia ngày công.",
    "Đề nghị làm rõ thời hạn hoàn thành của từng nhiệm vụ, tránh chung chung.",
    "Tôi thấy mục 3 trùng với nội dung của tháng trước, đề nghị cập nhật tình hình mới.",
    "Đồng chí có thể cho biết kinh phí làm đường lấy từ nguồn nào không?",
    "Ý kiến của tôi đã được tiếp thu, xin cảm ơn chi ủy.",
    "Đề nghị biểu dương các hộ đã hiến đất làm đường trong buổi sinh hoạt.",
)
REPLIES = (
    "Cảm ơn đồng chí, chi ủy sẽ tiếp thu và chỉnh sửa.",
    "Nguồn kinh phí gồm ngân sách xã và nhân dân đóng góp, chi tiết có trong báo cáo kèm theo.",
    "Tôi cũng nhất trí với ý kiến của đồng chí.",
    "Số liệu đã được kiểm tra lại với hợp tác xã, đúng như báo cáo.",
    "Đồng ý, đề nghị đưa vào kết luận buổi sinh hoạt.",
)
