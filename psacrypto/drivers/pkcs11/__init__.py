"""The PKCS#11 opaque driver (python-pkcs11; tested on SoftHSM2): see
:mod:`psacrypto.drivers.pkcs11.driver` and docs/drivers.md."""

from __future__ import annotations

from .driver import Pkcs11Driver

__all__ = ["Pkcs11Driver"]
