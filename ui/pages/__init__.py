"""The cabinet's pages, one module each; ``ui.sidebar.PAGES`` lists them."""
