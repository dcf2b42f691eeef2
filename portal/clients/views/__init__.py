"""Client portal pages: the client's own pages, their preview, and the staff pages."""
