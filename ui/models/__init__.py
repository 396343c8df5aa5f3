"""Table models for the pages: rows precomputed as display strings, so data() is a lookup."""
