"""What people look at: HTML maps (:mod:`api.render.maps`) and posters (:mod:`api.render.poster`), report
HTML/DOCX/PDF, the one spreadsheet/CSV writer (:mod:`api.render.writer`), exports (:mod:`api.render.export`),
notebook helpers (:mod:`api.render.notebook`).  Renders what :mod:`analysis` computed; computes nothing itself."""
