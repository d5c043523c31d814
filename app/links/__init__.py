"""Signed links and tokens: one signer with named purposes (signer.py), the formats read
until their date (legacy.py), and one module per link that does more than sign."""
