"""What people look at: HTML maps and posters, report HTML/DOCX/PDF, the one spreadsheet/CSV writer
(:mod:`api.render.writer`), notebook helpers.  Renders what :mod:`analysis` computed; computes nothing itself."""
