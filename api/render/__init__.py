"""What people look at: HTML maps (:mod:`api.render.maps`) and posters (:mod:`api.render.poster`)."""
