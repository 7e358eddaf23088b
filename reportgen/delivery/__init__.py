"""Delivering a written report: chat notifications (notify*), and later archive and mail."""
