"""Documents: the receipt PDF with the GOST R 56042-2014 payment QR code, a building's
receipts in one streamed PDF, and the statement as XLSX or PDF.

Importing the package is cheap (the command line builds its parser from here): import the
service from ``desktop.documents.service``; reportlab, openpyxl and segno load only when a
document is made.
"""
