"""Offline verification of a signed audit report and its in-toto attestation.

Checks, each reported pass/fail with one line (`VerifyResult.checks`):

* ``pdf_signature``  the PDF's last signature is intact and cryptographically valid.
* ``coverage``       that signature covers the ENTIRE file, or every later revision only adds
                     validation data (a DSS, as `--ltv` writes) or document timestamps (pyHanko's
                     difference analysis: ModificationLevel.LTA_UPDATES). Anything else appended after
                     signing fails, and is described in plain words (`describe_changes`): our reports
                     are signed once and never amended.
* ``trust``          the signer certificate chains to one of the given trust roots (no network:
                     no fetching of certificates, CRLs or OCSP; validated at the current time).
* ``timestamp``      only when the signature carries an RFC 3161 timestamp (PAdES B-T): the token is
                     intact and its TSA chains to a given trust root. No timestamp is a note, not a
                     failure (the signing time is then the signer's own claim).
* ``attestation``    the DSSE envelope verifies with the PDF signer certificate's key and holds our
                     in-toto Statement.
* ``subject_pdf``    the attested PDF digest equals the sha256 of the PDF file on disk.
* ``subject_results``the attested results digest equals the sha256 of the results JSON embedded in
                     the PDF (as a PDF/A-3 associated file).
* ``policy_bundle``  the attested policy-bundle digest equals the one the results JSON records
                     (``policy_bundle.digest`` or top-level ``policy_bundle_digest``).

A check that could not be made (no attestation beside the file) is `unchecked`: not passed, so never a
green, but not tampering either (`VerifyResult.cannot_check`; `gov verify` exits 4 for it, 1 for a
failed check). `VerifyResult.explain()` says what went wrong in plain words.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from governance.errors import InputError
from governance.signing.attest import (
    ATTESTATION_SUFFIX,
    PREDICATE_TYPES,
    STATEMENT_TYPE,
    default_attestation_path,
    normalize_sha256,
    read_attestations,
    sha256_hex,
    verify_envelope,
)


@dataclass(frozen=True)
class Check:
    """One named verification step."""

    name: str
    passed: bool
    message: str
    unchecked: bool = False  # could not be checked (e.g. no attestation): not passed, not tampering


@dataclass
class VerifyResult:
    """All checks for one report; `ok` only when every check passed."""

    pdf: Path
    attestation: Path | None
    checks: list[Check] = field(default_factory=list)
    signer: str | None = None
    signed_at: dt.datetime | None = None
    timestamped_at: dt.datetime | None = None
    certified: str | None = None  # DocMDP permission of a certification signature, e.g. "NO_CHANGES"
    notes: list[str] = field(default_factory=list)  # informative lines (no timestamp, embedded validation data)
    problems: list[str] = field(default_factory=list)  # plain-words sentences for failed checks

    @property
    def ok(self) -> bool:
        return bool(self.checks) and all(c.passed for c in self.checks)

    @property
    def failed(self) -> list[Check]:
        """Checks that failed (the file or its attestation do not hold), not counting unchecked ones."""
        return [c for c in self.checks if not c.passed and not c.unchecked]

    @property
    def cannot_check(self) -> bool:
        """Nothing failed, but something could not be checked."""
        return not self.failed and any(c.unchecked for c in self.checks)

    def explain(self) -> list[str]:
        """What went wrong, in plain words, most important first (empty when verified)."""
        lines = list(self.problems)
        if not lines and self.failed:  # every failing check records a problem; never say nothing
            lines = [f"{c.name}: {c.message}" for c in self.failed]
        lines += [c.message for c in self.checks if c.unchecked]
        return list(dict.fromkeys(lines))

    def check(self, name: str) -> Check | None:
        return next((c for c in self.checks if c.name == name), None)

    def add(self, name: str, passed: bool, message: str, *, unchecked: bool = False) -> None:
        self.checks.append(Check(name, passed, message, unchecked))

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "pdf": str(self.pdf),
            "attestation": str(self.attestation) if self.attestation else None,
            "signer": self.signer,
            "signed_at": self.signed_at.isoformat() if self.signed_at else None,
            "timestamped_at": self.timestamped_at.isoformat() if self.timestamped_at else None,
            "certified": self.certified,
            "cannot_check": self.cannot_check,
            "explanation": self.explain(),
            "notes": list(self.notes),
            "checks": [
                {"name": c.name, "passed": c.passed, "unchecked": c.unchecked, "message": c.message}
                for c in self.checks
            ],
        }


UNTRUSTED = "signed by a key this verifier does not trust"
NO_MATCH = "the signature does not match the document"


def results_policy_digest(results: Any) -> str | None:
    """The policy-bundle digest a results document records, as hex, or None.

    Accepted forms: {"policy_bundle": {"digest": "sha256:<hex>" | {"sha256": "<hex>"}}} or
    {"policy_bundle_digest": "sha256:<hex>"}.
    """
    if not isinstance(results, dict):
        return None
    bundle = results.get("policy_bundle")
    value: Any = bundle.get("digest") if isinstance(bundle, dict) else None
    if value is None:
        value = results.get("policy_bundle_digest")
    if isinstance(value, dict):
        value = value.get("sha256")
    if not isinstance(value, str):
        return None
    try:
        return normalize_sha256(value)
    except InputError:
        return None


@contextmanager
def _quiet_pyhanko() -> Iterator[None]:
    # pyHanko logs full tracebacks for every untrusted or broken signature; the checks already say
    # what failed in one line, so keep its loggers quiet for the duration of the validation.
    loggers = [logging.getLogger(n) for n in ("pyhanko", "pyhanko_certvalidator")]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        for lg, level in zip(loggers, levels, strict=True):
            lg.setLevel(level)


def _read_pdf(pdf_path: Path) -> bytes:
    try:
        data = pdf_path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read PDF: {exc.strerror}", where=str(pdf_path)) from exc
    if b"%PDF-" not in data[:1024]:
        raise InputError("not a PDF file (no %PDF- header)", where=str(pdf_path))
    return data


def _load_roots(paths: list[Path]) -> list[Any]:
    from asn1crypto import x509 as asn1_x509
    from cryptography.hazmat.primitives.serialization import Encoding

    from governance.signing.keys import load_certificates

    roots = []
    for path in paths:
        for cert in load_certificates(path):
            roots.append(asn1_x509.Certificate.load(cert.public_bytes(Encoding.DER)))
    return roots


def _plural(n: int, word: str, plural: str | None = None) -> str:
    return f"{n} {word if n == 1 else (plural or word + 's')}"


def _obj_kind(obj: Any) -> str:
    """What a changed PDF object is, for `describe_changes`."""
    if not hasattr(obj, "get"):
        return "other"
    type_ = str(obj.get("/Type", ""))
    subtype = str(obj.get("/Subtype", ""))
    if type_ == "/DSS" or type_ in ("/OCSPs", "/CRLs"):
        return "validation data"
    if type_ == "/DocTimeStamp" or (type_ == "/Sig" and str(obj.get("/SubFilter", "")) == "/ETSI.RFC3161"):
        return "timestamp"
    if "/FT" in obj or type_ == "/Sig":
        return "form field"
    if type_ == "/Annot" or (subtype and "/Rect" in obj):
        return "annotation"
    if type_ == "/Page":
        return "page"
    if type_ in ("/Pages", "/Catalog", "/XRef", "/ObjStm"):
        return "structure"
    if type_ == "/Metadata" or ("/ModDate" in obj and "/Producer" in obj):  # XMP stream, document info
        return "metadata"
    return "other"


_ALLOWED_AFTER_SIGNING = {"validation data", "timestamp", "metadata"}


def describe_changes(data: bytes, signed_revision: int) -> list[str]:
    """One plain sentence per incremental update after `signed_revision` (0-based), e.g. "adds an annotation
    on page 1". Objects that only carry a change described elsewhere (the page's /Annots array, the
    catalog, the page tree, cross-reference streams) are not counted on their own."""
    return [sentence for _, sentence in _later_revisions(data, signed_revision)]


def _later_revisions(data: bytes, signed_revision: int) -> list[tuple[set[str], str]]:
    """(kinds of change, plain sentence) for each revision after `signed_revision`."""
    from pyhanko.pdf_utils.reader import PdfFileReader

    reader = PdfFileReader(io.BytesIO(data), strict=False)
    return [_describe_revision(reader, r) for r in range(signed_revision + 1, reader.xrefs.total_revisions)]


def _dss_refs(resolver: Any) -> set[tuple[int, int] | None]:
    """References reachable from the catalog's /DSS (certificates, OCSP responses, CRLs, VRI entries)."""
    root = resolver.root
    if "/DSS" not in root:
        return set()
    found: set[tuple[int, int] | None] = {_ref_key(root.raw_get("/DSS"))}

    def walk(node: Any, depth: int) -> None:
        if depth > 6:
            return
        items = node.items() if hasattr(node, "items") else enumerate(node) if isinstance(node, list) else ()
        for key, _ in list(items):
            raw = node.raw_get(key)
            ref = _ref_key(raw)
            if ref is not None:
                found.add(ref)
            walk(raw.get_object(), depth + 1)

    walk(root["/DSS"], 0)
    return found


def _describe_revision(reader: Any, revision: int) -> tuple[set[str], str]:
    previous = reader.get_historical_resolver(revision - 1)
    current = reader.get_historical_resolver(revision)
    page_refs = [_ref_key(ref) for ref in _page_refs(current)]
    old_pages = {_ref_key(ref) for ref in _page_refs(previous)}
    dss = _dss_refs(current)
    order = ("annotation", "form field", "page", "other", "validation data", "timestamp", "metadata")
    parts: dict[str, list[str]] = {k: [] for k in order}
    for ref in sorted(reader.xrefs.explicit_refs_in_revision(revision), key=lambda r: r.idnum):
        key = (ref.idnum, ref.generation)
        try:
            obj = current.get_object(ref)
        except Exception:  # noqa: BLE001 (a broken object is still a change: count it as "other")
            obj = None
        kind = "validation data" if key in dss else _obj_kind(obj)
        existed = reader.xrefs.get_introducing_revision(ref) < revision
        if kind == "structure":
            continue
        if kind == "page":
            if key not in old_pages:
                parts["page"].append("adds a page")
            elif not _only_annots_changed(previous, current, ref):
                n = page_refs.index(key) + 1 if key in page_refs else 0
                parts["page"].append(f"changes page {n}" if n else "changes a page")
            continue
        if kind == "annotation" and not existed:
            n = _annot_page(obj, page_refs)
            parts[kind].append(f"adds an annotation on page {n}" if n else "adds an annotation")
            continue
        if kind in ("validation data", "timestamp"):
            parts[kind].append(f"adds {kind}")
            continue
        label = {
            "other": "another object",
            "form field": "a form field",
            "annotation": "an annotation",
            "metadata": "the document metadata",
        }.get(kind, kind)
        parts[kind].append(f"{'changes' if existed else 'adds'} {label}")
    kinds = {k for k, items in parts.items() if items}
    if kinds - {"metadata"}:
        parts["metadata"] = []  # a writer refreshes the modification date with any change: not news
    described: list[str] = []
    for items in parts.values():
        for item in dict.fromkeys(items):
            count = items.count(item)
            described.append(item if count == 1 or item.endswith(("data", "metadata")) else _plural_item(item, count))
    return kinds, ", ".join(described) if described else "rewrites the document structure"


def _plural_item(item: str, count: int) -> str:
    """ "adds an annotation on page 1", 2 -> "adds 2 annotations on page 1"."""
    verb, _, rest = item.partition(" ")
    for single, plural in (
        ("an annotation", "annotations"),
        ("a form field", "form fields"),
        ("another object", "other objects"),
        ("a page", "pages"),
        ("timestamp", "timestamps"),
    ):
        if rest.startswith(single):
            return f"{verb} {count} {plural}{rest[len(single) :]}"
    return f"{item} ({count} times)"


def _page_refs(resolver: Any) -> list[Any]:
    """Indirect references of the pages of a revision, in order."""
    out: list[Any] = []

    def walk(node_ref: Any, depth: int = 0) -> None:
        node = node_ref.get_object()
        if depth > 64:
            return
        if str(node.get("/Type", "")) == "/Pages":
            for kid in node.get("/Kids") or ():
                walk(kid, depth + 1)
        else:
            out.append(node_ref)

    root = resolver.root
    walk(root.raw_get("/Pages"))
    return out


def _only_annots_changed(previous: Any, current: Any, ref: Any) -> bool:
    """A page whose only change is its /Annots array (the annotation itself is described)."""
    try:
        old, new = previous.get_object(ref), current.get_object(ref)
        keys = set(old.keys()) | set(new.keys())
        return all(k == "/Annots" or old.raw_get(k) == new.raw_get(k) for k in keys if k in old and k in new) and (
            keys - {"/Annots"} <= set(old.keys()) & set(new.keys())
        )
    except Exception:  # noqa: BLE001
        return False


def _annot_page(annot: Any, page_refs: list[Any]) -> int:
    """1-based page number an annotation sits on (its /P), 0 if unknown."""
    p = annot.raw_get("/P") if "/P" in annot else None
    if p is not None and _ref_key(p) in page_refs:
        return page_refs.index(_ref_key(p)) + 1
    return 0


def _ref_key(obj: Any) -> tuple[int, int] | None:
    idnum = getattr(obj, "idnum", None)
    return (idnum, obj.generation) if idnum is not None else None


def _check_timestamp(result: VerifyResult, status: Any) -> None:
    ts = status.timestamp_validity
    if ts is None:
        result.notes.append("no timestamp: the signing time is the signer's own claim (sign with --tsa URL)")
        return
    tsa = ts.signing_cert.subject.human_friendly if ts.signing_cert is not None else "an unknown TSA"
    result.timestamped_at = ts.timestamp
    when = ts.timestamp.isoformat() if ts.timestamp else "?"
    if not (ts.intact and ts.valid):
        result.add("timestamp", False, f"the timestamp by {tsa} is broken")
        result.problems.append("the timestamp does not match the signature")
    elif not ts.trusted:
        result.add("timestamp", False, f"timestamp at {when} by {tsa}, a TSA that does not chain to a given trust root")
        result.problems.append(
            "timestamped by an authority this verifier does not trust (pass its root as --trust-root)"
        )
    else:
        result.add("timestamp", True, f"RFC 3161 timestamp at {when} by {tsa}")


def _dss_note(reader: Any) -> str | None:
    root = reader.root
    if "/DSS" not in root:
        return None
    dss = root["/DSS"]
    counts = [
        _plural(len(dss[key]) if key in dss else 0, label)
        for key, label in (("/Certs", "certificate"), ("/OCSPs", "OCSP response"), ("/CRLs", "CRL"))
    ]
    return "validation data embedded for long-term validation (PAdES B-LT): " + ", ".join(counts)


def _check_pdf_signature(result: VerifyResult, data: bytes, roots: list[Any]) -> Any:
    """Runs checks pdf_signature, coverage, trust (and timestamp when there is one); returns the signer
    certificate (asn1crypto) or None."""
    from pyhanko.pdf_utils.misc import PdfError
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.diff_analysis import ModificationLevel
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.errors import SignatureValidationError
    from pyhanko.sign.validation.settings import KeyUsageConstraints
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        signatures = reader.embedded_regular_signatures
    except (PdfError, ValueError, KeyError) as exc:
        raise InputError(f"cannot parse PDF: {exc}", where=str(result.pdf)) from exc
    if not signatures:
        for name in ("pdf_signature", "coverage", "trust"):
            result.add(name, False, "the PDF carries no signature")
        result.problems.append("the file is not signed")
        return None
    sig = signatures[-1]
    context = ValidationContext(trust_roots=roots, allow_fetching=False, revocation_mode="soft-fail")
    # Accept either key usage: our own certificates have both, bought ones often only one.
    usage = KeyUsageConstraints(key_usage={"non_repudiation", "digital_signature"}, match_all_key_usages=False)
    try:
        with _quiet_pyhanko():
            status = validate_pdf_signature(sig, context, key_usage_settings=usage)
    except (SignatureValidationError, PdfError, ValueError) as exc:
        for name in ("pdf_signature", "coverage", "trust"):
            result.add(name, False, f"signature cannot be validated: {exc}")
        result.problems.append(f"the signature cannot be read: {exc}")
        return None
    cert = status.signing_cert
    result.signer = cert.subject.human_friendly
    result.signed_at = status.signer_reported_dt
    docmdp = getattr(sig, "docmdp_level", None)
    result.certified = docmdp.name if docmdp is not None else None
    count = f" (last of {len(signatures)})" if len(signatures) > 1 else ""
    algo = f"{status.pkcs7_signature_mechanism}, {status.md_algorithm}"
    kind = f"certification signature (DocMDP {result.certified})" if result.certified else "signature"
    if status.intact and status.valid:
        result.add("pdf_signature", True, f"{kind}{count} intact and valid ({algo}) by {result.signer}")
    else:
        what = "document digest does not match" if not status.intact else "signature value does not verify"
        result.add("pdf_signature", False, f"signature{count} broken: {what}")
        result.problems.append(NO_MATCH)
    _check_coverage(result, data, sig, status, SignatureCoverageLevel, ModificationLevel)
    if not roots:
        result.add("trust", False, "no trust roots given")
        result.problems.append("no trust roots given: cannot tell who signed")
    elif not (status.intact and status.valid):
        result.add("trust", False, "trust not established: the signature itself is broken")
    elif status.trusted:
        path_ = status.validation_path
        anchor = path_.trust_anchor.authority.name.human_friendly if path_ is not None else "?"
        result.add("trust", True, f"signer certificate chains to trust root {anchor}")
    else:
        indic = status.trust_problem_indic
        problem = getattr(indic, "name", str(indic)) if indic is not None else "not trusted"
        result.add("trust", False, f"signer certificate does not chain to a given trust root ({problem})")
        result.problems.append(f"{UNTRUSTED} ({result.signer})")
    _check_timestamp(result, status)
    note = _dss_note(reader)
    if note:
        result.notes.append(note)
    return cert


def _check_coverage(
    result: VerifyResult, data: bytes, sig: Any, status: Any, coverage_cls: Any, level_cls: Any
) -> None:
    coverage = status.coverage
    if coverage == coverage_cls.ENTIRE_FILE:
        result.add("coverage", True, "signature covers the entire file")
        return
    try:
        later = _later_revisions(data, sig.signed_revision)
    except Exception:  # noqa: BLE001 (a file too broken to describe still fails, in general words)
        later = []
    level = status.modification_level
    # Accepted after signing: revisions that each add validation data or a document timestamp (a writer
    # may refresh the metadata alongside), AND that pyHanko's difference analysis rates LTA_UPDATES.
    if (
        coverage == coverage_cls.ENTIRE_REVISION
        and level is not None
        and level <= level_cls.LTA_UPDATES
        and later
        and all(kinds & {"validation data", "timestamp"} and kinds <= _ALLOWED_AFTER_SIGNING for kinds, _ in later)
    ):
        result.add("coverage", True, "signature covers its revision; later revisions only add validation data")
        return
    changes = [sentence for _, sentence in later]
    name = coverage.name if coverage is not None else "UNKNOWN"
    if changes:
        updates = _plural(len(changes), "incremental update")
        sentence = f"the file was changed after signing: {updates} " + "; ".join(changes)
    else:
        sentence = "the file was changed after signing: bytes were added after the signed part"
    result.add("coverage", False, f"signature does not cover the entire file (coverage {name}): {sentence}")
    result.problems.append(sentence)


def _fail_attestation(result: VerifyResult, message: str) -> None:
    for name in ("attestation", "subject_pdf", "subject_results", "policy_bundle"):
        result.add(name, False, message)
    result.problems.append(f"the attestation does not hold: {message}")


def _subject_digest(statement: dict[str, Any], name: str) -> str | None:
    for subject in statement.get("subject") or ():
        if isinstance(subject, dict) and subject.get("name") == name:
            digest = subject.get("digest")
            return str(digest.get("sha256", "")).lower() if isinstance(digest, dict) else None
    return None


def _check_attestation(result: VerifyResult, data: bytes, signer_cert: Any, path: Path) -> None:
    from cryptography.hazmat.primitives.serialization import load_der_public_key

    from governance.signing.keys import public_keyid
    from governance.signing.pdf import embedded_files

    if signer_cert is None:
        _fail_attestation(result, "no PDF signer certificate to verify the attestation with")
        return
    key = load_der_public_key(signer_cert.public_key.dump())
    envelopes = read_attestations(path)
    if not envelopes:
        _fail_attestation(result, f"no DSSE envelope in {path.name}")
        return
    outcome = None
    for envelope in envelopes:
        outcome = verify_envelope(envelope, key, keyid=public_keyid(key))  # type: ignore[arg-type]
        if outcome.ok and outcome.statement is not None:
            break
    assert outcome is not None
    statement = outcome.statement
    if not outcome.ok or statement is None:
        _fail_attestation(result, outcome.message)
        return
    if statement.get("_type") != STATEMENT_TYPE or statement.get("predicateType") not in PREDICATE_TYPES.values():
        _fail_attestation(result, f"not a gov audit-report statement ({statement.get('predicateType')!r})")
        return
    result.add("attestation", True, outcome.message)
    predicate = statement.get("predicate") or {}

    pdf_name = (predicate.get("report") or {}).get("name")
    want = _subject_digest(statement, pdf_name) if pdf_name else None
    actual = sha256_hex(data)
    if want != actual:
        result.problems.append("the PDF is not the one attested: its digest differs from the attestation's")
    result.add(
        "subject_pdf",
        want == actual,
        f"PDF sha256 {actual[:16]}… matches the attestation"
        if want == actual
        else f"PDF sha256 {actual[:16]}… differs from attested {str(want)[:16]}…",
    )

    results_name = (predicate.get("results") or {}).get("name")
    want = _subject_digest(statement, results_name) if results_name else None
    files = {f.name: f for f in embedded_files(data)}
    embedded = files.get(results_name) if results_name else None
    results_doc: Any = None
    if embedded is None:
        result.add("subject_results", False, f"no embedded file {results_name!r} in the PDF")
        result.problems.append(f"the attested {results_name} is not embedded in the PDF")
    else:
        actual = sha256_hex(embedded.data)
        af = "" if embedded.associated else " (warning: not listed as a PDF/A-3 associated file)"
        if want != actual:
            result.problems.append(f"the embedded {results_name} is not the one attested")
        result.add(
            "subject_results",
            want == actual,
            (
                f"embedded {results_name} matches the attestation{af}"
                if want == actual
                else f"embedded {results_name} sha256 {actual[:16]}… differs from attested {str(want)[:16]}…"
            ),
        )
        try:
            results_doc = json.loads(embedded.data)
        except ValueError:
            results_doc = None

    bundle_name = (predicate.get("policy_bundle") or {}).get("name")
    attested = _subject_digest(statement, bundle_name) if bundle_name else None
    recorded = results_policy_digest(results_doc)
    if attested is None:
        result.add("policy_bundle", False, "attestation names no policy bundle subject")
        result.problems.append("the attestation names no policy bundle")
    elif recorded is None:
        result.add("policy_bundle", False, "results JSON records no policy bundle digest (policy_bundle.digest)")
        result.problems.append("the embedded results record no policy bundle digest")
    else:
        if attested != recorded:
            result.problems.append("the attested policy bundle is not the one the results were evaluated against")
        result.add(
            "policy_bundle",
            attested == recorded,
            f"policy bundle {attested[:16]}… matches the results JSON"
            if attested == recorded
            else f"attested policy bundle {attested[:16]}… differs from results JSON {recorded[:16]}…",
        )


def verify_report(
    pdf_path: Path,
    *,
    trust_roots: list[Path],
    attestation_path: Path | None = None,
) -> VerifyResult:
    """Verify a signed report offline; see the module docstring for the checks.

    `attestation_path` defaults to `<pdf>.intoto.jsonl`; a missing default file is a failed check,
    an explicitly named file that cannot be read is an InputError. InputError also for an
    unreadable or non-PDF input; ConfigError for an unreadable trust-root file. A missing default
    attestation makes its checks `unchecked` ("cannot check the attestation"), not failed.
    """
    pdf_path = Path(pdf_path)
    data = _read_pdf(pdf_path)
    roots = _load_roots([Path(p) for p in trust_roots])
    explicit = attestation_path is not None
    path = Path(attestation_path) if attestation_path is not None else default_attestation_path(pdf_path)
    result = VerifyResult(pdf=pdf_path, attestation=path)
    signer_cert = _check_pdf_signature(result, data, roots)
    if not path.exists() and not explicit:
        message = f"cannot check the attestation (no {ATTESTATION_SUFFIX} beside the file; looked for {path.name})"
        for name in ("attestation", "subject_pdf", "subject_results", "policy_bundle"):
            result.add(name, False, message, unchecked=True)
        return result
    _check_attestation(result, data, signer_cert, path)
    return result


def _file_checks_unchecked(result: VerifyResult, message: str) -> None:
    for name in ("attestation", "trust", "subject_file"):
        result.add(name, False, message, unchecked=True)


def _envelope_certificates(envelope: dict[str, Any]) -> list[Any]:
    """The certificates an (as yet unverified) envelope claims in predicate.signer_certificate; [] if none.
    Trusted only once they chain to a trust root (see `verify_file`)."""
    import base64
    import binascii

    from cryptography import x509

    from governance import jsonsafe

    try:
        statement = jsonsafe.loads(base64.b64decode(str(envelope.get("payload", "")) + "==="))
        pem = ((statement or {}).get("predicate") or {}).get("signer_certificate")
        return list(x509.load_pem_x509_certificates(pem.encode("ascii"))) if isinstance(pem, str) else []
    except (InputError, ValueError, AttributeError, binascii.Error):
        return []


def _chains_to_root(certs: list[Any], roots: list[Any]) -> tuple[bool, str]:
    """Whether certs[0] (cryptography) chains to one of `roots` (asn1crypto), offline; (ok, anchor or problem)."""
    import asyncio

    from asn1crypto import x509 as asn1_x509
    from cryptography.hazmat.primitives.serialization import Encoding
    from pyhanko_certvalidator import CertificateValidator, ValidationContext
    from pyhanko_certvalidator.errors import PathBuildingError, PathValidationError, ValidationError

    der = [asn1_x509.Certificate.load(c.public_bytes(Encoding.DER)) for c in certs]
    context = ValidationContext(
        trust_roots=roots, other_certs=der[1:], allow_fetching=False, revocation_mode="soft-fail"
    )
    validator = CertificateValidator(der[0], validation_context=context)
    try:
        with _quiet_pyhanko():
            path_ = asyncio.run(validator.async_validate_usage({"digital_signature"}))  # type: ignore[no-untyped-call]
    except (PathBuildingError, PathValidationError, ValidationError) as exc:
        return False, str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return True, path_.trust_anchor.authority.name.human_friendly


def verify_file(path: Path, *, trust_roots: list[Path], attestation_path: Path | None = None) -> VerifyResult:
    """Verify an export that is not a PDF (the blocked register's CSV) by its DSSE attestation alone.

    Checks: ``attestation`` (the envelope verifies with the certificate it names, and holds our statement),
    ``trust`` (that certificate chains to a trust root), ``subject_file`` (the attested sha256 is the
    file's). A missing default attestation: every check `unchecked` ("cannot check"), never a pass.
    """
    from cryptography import x509

    from governance.signing.keys import load_certificates, public_keyid

    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read file: {exc.strerror}", where=str(path)) from exc
    roots = _load_roots([Path(p) for p in trust_roots])
    explicit = attestation_path is not None
    att = Path(attestation_path) if attestation_path is not None else default_attestation_path(path)
    result = VerifyResult(pdf=path, attestation=att)
    if not att.exists() and not explicit:
        _file_checks_unchecked(result, f"cannot check the attestation (no {ATTESTATION_SUFFIX} beside the file)")
        return result
    envelopes = read_attestations(att)
    if not envelopes:
        for name in ("attestation", "trust", "subject_file"):
            result.add(name, False, f"no DSSE envelope in {att.name}")
        result.problems.append(f"the attestation file {att.name} holds no signed statement")
        return result
    root_certs = [c for p in trust_roots for c in load_certificates(Path(p))]
    outcome = None
    chain: list[x509.Certificate] = []
    for envelope in envelopes:
        for certs in [_envelope_certificates(envelope), *([c] for c in root_certs)]:
            if not certs:
                continue
            key = certs[0].public_key()
            outcome = verify_envelope(envelope, key, keyid=public_keyid(key))
            if outcome.ok and outcome.statement is not None:
                chain = certs
                break
        if chain:
            break
    statement = outcome.statement if outcome is not None and chain else None
    if statement is None:
        message = outcome.message if outcome is not None else "the attestation names no signer certificate"
        for name in ("attestation", "trust", "subject_file"):
            result.add(name, False, message)
        result.problems.append(f"the attestation's signature does not verify: {message}")
        return result
    if statement.get("_type") != STATEMENT_TYPE or statement.get("predicateType") not in PREDICATE_TYPES.values():
        for name in ("attestation", "trust", "subject_file"):
            result.add(name, False, f"not a gov statement ({statement.get('predicateType')!r})")
        result.problems.append("the attestation is not a gov report statement")
        return result
    result.signer = chain[0].subject.rfc4514_string()
    result.add("attestation", True, f"DSSE signature verifies with the key of {result.signer}")
    trusted, detail = _chains_to_root(chain, roots) if roots else (False, "no trust roots given")
    if trusted:
        result.add("trust", True, f"attestation signer chains to trust root {detail}")
    else:
        result.add("trust", False, f"attestation signer does not chain to a given trust root ({detail})")
        result.problems.append(f"{UNTRUSTED} ({result.signer})")
    predicate = statement.get("predicate") or {}
    subject = (predicate.get("report") or {}).get("name") if isinstance(predicate, dict) else None
    want = _subject_digest(statement, subject) if isinstance(subject, str) else None
    actual = sha256_hex(data)
    if want == actual:
        result.add("subject_file", True, f"sha256 {actual[:16]}… of {path.name} matches the attestation ({subject})")
    else:
        result.add("subject_file", False, f"sha256 {actual[:16]}… differs from attested {str(want)[:16]}…")
        result.problems.append("the file was changed after it was attested: its digest differs from the attested one")
    return result
