"""A meeting's votes: opened by the secretary, cast from phones or counted by hand, judged by
the Party's counting rules (``attendance.rules``)."""
