"""Announcements (thông báo) from a committee or a branch to its organisation or subtree."""
