"""Lets securesystemslib 1.x run on Debian 12's python3-cryptography (38.0.4).

securesystemslib 1.x imports the type aliases ``PrivateKeyTypes`` and ``PublicKeyTypes``, which
cryptography 40 introduced; cryptography 38 has the same aliases as ``PRIVATE_KEY_TYPES`` and
``PUBLIC_KEY_TYPES``. They are only used in type annotations, so giving them their new names is
enough; the signing and verification code paths are cryptography 38's own. Import this module
before anything from securesystemslib or tuf. With cryptography 40 or newer it does nothing.
"""

from cryptography.hazmat.primitives.asymmetric import types as _types

for _new, _old in (("PrivateKeyTypes", "PRIVATE_KEY_TYPES"), ("PublicKeyTypes", "PUBLIC_KEY_TYPES")):
    if not hasattr(_types, _new) and hasattr(_types, _old):
        setattr(_types, _new, getattr(_types, _old))
