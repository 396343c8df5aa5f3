"""Exchange with 1C: importing its files (accounts, meters, the statement) in one transaction,
all or nothing.

Modules, one idea each: ``source`` reads a CSV or XLSX file (format and encoding detected),
``columns`` finds columns by their header text, ``values`` parses a cell, ``rows`` reads one
row with its problems, ``accounts``, ``meters`` and ``statement`` are the layouts,
``write_accounts``, ``write_meters`` and ``write_statement`` apply them, ``kinds`` tells
which layout a file is, ``report`` says what was done, ``service`` runs an import and
``commands`` is its command line. ``payments`` and ``write_payments`` read and apply a
bank's payment registry (no header; a totals line). The layouts are documented in
``docs/exchange.md``.
"""
