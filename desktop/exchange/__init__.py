"""Exchange with 1C and ГИС ЖКХ: importing 1C's files (accounts, meters, the statement,
receipts, its answer to a readings export) in one transaction, all or nothing; exporting a
month's readings for 1C and for ГИС ЖКХ.

Modules, one idea each: ``source`` reads a CSV or XLSX file (format and encoding detected),
``columns`` finds columns by their header text, ``values`` parses a cell, ``rows`` reads one
row with its problems, ``accounts``, ``meters``, ``statement``, ``receipts`` and ``accepted``
are the layouts, ``write_*`` apply them, ``kinds`` tells which layout a file is, ``report``
says what was done, ``service`` runs an import and ``commands`` is the command line.
``payments`` and ``write_payments`` read and apply a bank's payment registry (no header; a
totals line). ``export_rows`` reads a month's readings, ``export_files`` writes them in 1C's
or ГИС ЖКХ's layout and ``export_service`` runs an export and marks the periods. The layouts
are documented in ``docs/exchange.md``.
"""
