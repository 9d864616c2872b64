"""PDF evaluation reports: plain report data, SVG charts, WeasyPrint rendering."""
