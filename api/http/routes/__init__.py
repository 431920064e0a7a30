"""FastAPI routers, one module per resource.  A route never imports another route or the CLI; what routes
share lives in :mod:`api.http.common`, :mod:`api.http.deps` and :mod:`api.http.errors`."""
