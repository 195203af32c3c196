"""The cryptoprocessor as a service: wire protocol, server, thin client, operator CLI.

* :mod:`.wire` -- frames and the strict CBOR codec (docs/protocol.md);
* :mod:`.server` -- ``serve(config)``, the asyncio service;
* :mod:`.client` -- ``connect(url)``, a context with the whole API;
* :mod:`.config` -- the server's settings and their TOML form (docs/configuration.md);
* :mod:`.cli` -- ``psacrypto key ...`` and ``psacrypto clients ...``;
* :mod:`.testing` -- run a service in a child process (tests, examples, benchmarks).

Everything per call is generated from :mod:`psacrypto.api`.
"""
