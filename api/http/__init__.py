"""The HTTP service: FastAPI app factory (:mod:`api.http.app`), typed dependencies (:mod:`api.http.deps`),
errors (:mod:`api.http.errors`), the cache (:mod:`api.http.cache`), keys and roles (:mod:`api.http.security`)
and one router module per resource (:mod:`api.http.routes`)."""
