"""The self-service kiosk: one full-screen window with a welcome screen, the resident's
pages, no way out without the administrator's PIN, and an idle logout that always works."""
