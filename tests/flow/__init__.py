"""End-to-end tests of examples/ciba_server.py and ``aioauthlete demo --flow``: a CIBA client
written from the spec (``specclient``) talks HTTP to the example server, a subprocess whose
AUTHLETE_* variables name an emulator served on 127.0.0.1."""
