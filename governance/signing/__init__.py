"""Signing and PDF layer: keys (keys.py), PDF/A-3b rendering and PAdES signing (pdf.py),
DSSE/in-toto attestations (attest.py), offline verification (verify.py), and the one-call
render-sign-attest helper (publish.py). Import the submodules; this package imports nothing heavy."""
