"""Builders of the sealed-PDF forgery corpus (see ../pdf_attacks.py)."""
