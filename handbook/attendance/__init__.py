"""Meeting day: who was convened, who came (check-in by a rotating QR code or "Tôi có mặt"),
and the Party's counting rules that votes will use (``rules``)."""
