"""Facets: which generated class a facet is checked against, and what the parsed event keeps.

The core spec types every facet map loosely (`additionalProperties: {$ref: RunFacet}`: an object
with `_producer` and `_schemaURL` URIs, plus `_deleted: boolean` for job and dataset facets). What
makes a facet *standard* is its `_schemaURL`: a facet is held to the schema that URL names, whatever
key it sits under. So, for each facet in a core facet map (run, job, dataset, inputFacets,
outputFacets):

- `_schemaURL` names a published standard schema (`.../spec/facets/<v>/<File>.json#/$defs/<Def>`,
  or the facet definitions of the 1-0-0/1-0-1 core, `.../spec/1-0-1/OpenLineage.json#/definitions/
  <Def>`): the facet must structure into that generated class, and is kept as that instance.
  Without a fragment the URL names the file, whose root schema is `{"<key>": <Def>}`: the facet is
  checked only when it sits under that key, as the schema would see it.
- otherwise the facet is custom: only the base facet is checked and the JSON object is kept as is
  (a plain dict). If its key is a standard key (`schema`, `parent`...) we still try that class, so
  older producers' facets come out typed when they fit; a facet that does not fit stays a dict.

Facets nested inside a facet (ParentRunFacet's `run.facets`) get the base check only.
The client carries one class per facet, the newest version it knows, and the spec only adds
optional properties between versions, so a URL naming that version or an older one is checked
against that class. A URL naming a newer version than the client knows is treated as custom: we
cannot know that schema, and rejecting data written to it would be guessing.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from typing import Any

import attr
import openlineage.client.generated as generated_pkg
from openlineage.client.generated import (
    base,
    base_subset_dataset,
    catalog_dataset,
    column_lineage_dataset,
    data_quality_assertions_dataset,
    data_quality_metrics_dataset,
    data_quality_metrics_input_dataset,
    dataset_type_dataset,
    dataset_version_dataset,
    datasource_dataset,
    documentation_dataset,
    documentation_job,
    environment_variables_run,
    error_message_run,
    execution_parameters_run,
    external_query_run,
    extraction_error_run,
    hierarchy_dataset,
    input_statistics_input_dataset,
    job_dependencies_run,
    job_type_job,
    lifecycle_state_change_dataset,
    lineage,
    nominal_time_run,
    output_statistics_output_dataset,
    ownership_dataset,
    ownership_job,
    parent_run,
    processing_engine_run,
    schema_dataset,
    source_code_job,
    source_code_location_job,
    sql_job,
    storage_dataset,
    symlinks_dataset,
    tags_dataset,
    tags_job,
    tags_run,
    test_run,
)

from governance.lineage.structure import Structurer
from governance.lineage.structure_convert import Converter, StructureError, describe

FACET_BASES: tuple[type, ...] = (
    base.RunFacet,
    base.JobFacet,
    base.DatasetFacet,
    base.InputDatasetFacet,
    base.OutputDatasetFacet,
)

# The facet keys, as the published facet schemas declare them in their root `properties`
# (spec/facets/<v>/*.json). The client has no such table. Where one key names several facets,
# the facet map it appears in (run, job, dataset, input, output) picks the class.
STANDARD_FACET_KEYS: dict[str, tuple[type, ...]] = {
    "catalog": (catalog_dataset.CatalogDatasetFacet,),
    "columnLineage": (column_lineage_dataset.ColumnLineageDatasetFacet,),
    "dataQualityAssertions": (data_quality_assertions_dataset.DataQualityAssertionsDatasetFacet,),
    "dataQualityMetrics": (
        data_quality_metrics_input_dataset.DataQualityMetricsInputDatasetFacet,
        data_quality_metrics_dataset.DataQualityMetricsDatasetFacet,
    ),
    "datasetType": (dataset_type_dataset.DatasetTypeDatasetFacet,),
    "dataSource": (datasource_dataset.DatasourceDatasetFacet,),
    "documentation": (documentation_dataset.DocumentationDatasetFacet, documentation_job.DocumentationJobFacet),
    "environmentVariables": (environment_variables_run.EnvironmentVariablesRunFacet,),
    "errorMessage": (error_message_run.ErrorMessageRunFacet,),
    "executionParameters": (execution_parameters_run.ExecutionParametersRunFacet,),
    "externalQuery": (external_query_run.ExternalQueryRunFacet,),
    "extractionError": (extraction_error_run.ExtractionErrorRunFacet,),
    "hierarchy": (hierarchy_dataset.HierarchyDatasetFacet,),
    "inputStatistics": (input_statistics_input_dataset.InputStatisticsInputDatasetFacet,),
    "jobDependencies": (job_dependencies_run.JobDependenciesRunFacet,),
    "jobType": (job_type_job.JobTypeJobFacet,),
    "lifecycleStateChange": (lifecycle_state_change_dataset.LifecycleStateChangeDatasetFacet,),
    "lineage": (lineage.LineageDatasetFacet, lineage.LineageJobFacet),
    "nominalTime": (nominal_time_run.NominalTimeRunFacet,),
    "outputStatistics": (output_statistics_output_dataset.OutputStatisticsOutputDatasetFacet,),
    "ownership": (ownership_dataset.OwnershipDatasetFacet, ownership_job.OwnershipJobFacet),
    "parent": (parent_run.ParentRunFacet,),
    "processing_engine": (processing_engine_run.ProcessingEngineRunFacet,),
    "schema": (schema_dataset.SchemaDatasetFacet,),
    "sourceCode": (source_code_job.SourceCodeJobFacet,),
    "sourceCodeLocation": (source_code_location_job.SourceCodeLocationJobFacet,),
    "sql": (sql_job.SQLJobFacet,),
    "storage": (storage_dataset.StorageDatasetFacet,),
    "subset": (base_subset_dataset.InputSubsetInputDatasetFacet, base_subset_dataset.OutputSubsetOutputDatasetFacet),
    "symlinks": (symlinks_dataset.SymlinksDatasetFacet,),
    "tags": (tags_dataset.TagsDatasetFacet, tags_job.TagsJobFacet, tags_run.TagsRunFacet),
    "test": (test_run.TestRunFacet,),
    "version": (dataset_version_dataset.DatasetVersionDatasetFacet,),
}

_FACET_URL = re.compile(r"https://openlineage\.io/spec/facets/(\d+)-(\d+)-(\d+)/(\w+)\.json(?:#/\$defs/(\w+))?\Z")
# Core 1-0-0 and 1-0-1 defined the first standard facets under `definitions`; from 1-0-2 on the
# core has `$defs` and only the base types, so a `$defs` URL can only name a base type.
_CORE_URL = re.compile(
    r"https://openlineage\.io/spec/(\d+)-(\d+)-(\d+)/OpenLineage\.json#/(\$defs|definitions)/(\w+)\Z"
)
_SCHEMA_PATH = re.compile(r"/(\d+)-(\d+)-(\d+)/([^/]+)\.json#/\$defs/(\w+)\Z")
Version = tuple[int, int, int]
_MAX_CACHED_TARGETS = 4096


def _generated_classes() -> list[type]:
    """Every attrs class the client generated from the spec, each from the module defining it."""
    found = []
    for info in pkgutil.iter_modules(generated_pkg.__path__):
        module = importlib.import_module(f"{generated_pkg.__name__}.{info.name}")
        for obj in vars(module).values():
            if isinstance(obj, type) and attr.has(obj) and obj.__module__ == module.__name__:
                found.append(obj)
    return found


def _version(major: str, minor: str, patch: str) -> Version:
    return int(major), int(minor), int(patch)


def _schema_address(cls: type) -> tuple[str, str, Version] | None:
    """(file stem, def name, version) of the schema the class was generated from (its `_get_schema`)."""
    getter = cls.__dict__.get("_get_schema")
    if getter is None:
        return None
    match = _SCHEMA_PATH.search(getter.__func__())
    if match is None:
        return None
    major, minor, patch, stem, def_name = match.groups()
    return stem, def_name, _version(major, minor, patch)


class FacetIndex:
    """Lookups from a facet's `_schemaURL` (and key) to generated classes, built once."""

    def __init__(self) -> None:
        self.by_address: dict[tuple[str, str], tuple[type, Version]] = {}
        self.core_defs: dict[str, tuple[type, Version]] = {}
        self.old_core_facets: dict[str, type] = {}
        self.all_classes: tuple[type, ...] = tuple(_generated_classes())
        for cls in self.all_classes:
            address = _schema_address(cls)
            if address is None:
                continue
            stem, def_name, version = address
            if stem == "OpenLineage":
                self.core_defs[def_name] = (cls, version)
            else:
                self.by_address[(stem, def_name)] = (cls, version)
                if issubclass(cls, base.BaseFacet):
                    self.old_core_facets[def_name] = cls
        # file stem -> (the key its root schema declares, the classes of that file, their version)
        self.by_file: dict[str, tuple[str, tuple[type, ...], Version]] = {}
        for key, classes in STANDARD_FACET_KEYS.items():
            for cls in classes:
                address = _schema_address(cls)
                if address is not None:
                    same_file = tuple(c for c in classes if (_schema_address(c) or ("",))[0] == address[0])
                    self.by_file[address[0]] = (key, same_file, address[2])
        self._targets: dict[tuple[str, str, type], tuple[bool, tuple[type, ...]]] = {}

    def target(self, url: str, key: str, container: type) -> tuple[bool, tuple[type, ...]]:
        """(strict, classes): the classes to try, container-matching first; strict means must fit."""
        cache_key = (url, key, container)
        found = self._targets.get(cache_key)
        if found is None:
            found = self._resolve(url, key, container)
            if len(self._targets) >= _MAX_CACHED_TARGETS:
                self._targets.clear()  # URLs come from senders: never let them grow memory unbounded
            self._targets[cache_key] = found
        return found

    def _resolve(self, url: str, key: str, container: type) -> tuple[bool, tuple[type, ...]]:
        named = self._named(url, key)
        fallback = STANDARD_FACET_KEYS.get(key, ())
        if named is None:
            return False, _container_first(fallback, container)
        classes, known = named
        if not known:  # a newer schema than the client's: try its class, keep the JSON if it does not fit
            return False, _container_first(classes + fallback, container)
        return True, _container_first(classes, container)

    def _named(self, url: str, key: str) -> tuple[tuple[type, ...], bool] | None:
        """The classes a `_schemaURL` names, and whether the client knows that version; None if custom."""
        match = _FACET_URL.match(url)
        if match is not None:
            major, minor, patch, stem, def_name = match.groups()
            version = _version(major, minor, patch)
            if def_name is not None:
                found = self.by_address.get((stem, def_name))
                return None if found is None else ((found[0],), version <= found[1])
            by_file = self.by_file.get(stem)
            if by_file is None or by_file[0] != key:
                return None  # the file's root schema only constrains its own key
            return by_file[1], version <= by_file[2]
        core = _CORE_URL.match(url)
        if core is None:
            return None
        major, minor, patch, keyword, def_name = core.groups()
        found = self.core_defs.get(def_name)
        if found is not None:
            return (found[0],), _version(major, minor, patch) <= found[1]
        old_facet = self.old_core_facets.get(def_name) if keyword == "definitions" else None
        return None if old_facet is None else ((old_facet,), True)


def _container_first(classes: tuple[type, ...], container: type) -> tuple[type, ...]:
    return tuple(sorted(classes, key=lambda c: not issubclass(c, container)))


def _is_standard_facet(obj: Any) -> bool:
    # The base types themselves (a custom facet naming `#/$defs/RunFacet`) carry nothing to keep.
    return isinstance(obj, base.BaseFacet) and type(obj) not in (*FACET_BASES, base.BaseFacet)


class FacetMaps:
    """Builds the converters of facet maps for a Structurer (its `facet_map` factory)."""

    def __init__(self, index: FacetIndex | None = None, *, lenient: bool = False) -> None:
        """`lenient`: a facet whose `_schemaURL` names a standard schema of another facet type (a job
        facet's schema in a run's facets, as the Flink integration 1.34 sends `flink_job`) and does
        not fit it is kept as a custom facet; `misplaced` names the schema for a warning."""
        self.index = FacetIndex() if index is None else index
        self.lenient = lenient

    def misplaced(self, url: Any, key: str, container: type) -> type | None:
        """In lenient mode, the standard facet class a `_schemaURL` names (`.../spec/facets/<v>/X.json#/$defs/Y`)
        when that class belongs in another kind of facet map than `container`; else None."""
        if not self.lenient or not isinstance(url, str) or "#" not in url or _FACET_URL.match(url) is None:
            return None
        strict, classes = self.index.target(url, key, container)
        if not strict or not classes or any(c in (*FACET_BASES, base.BaseFacet) for c in classes):
            return None
        if not all(issubclass(c, FACET_BASES) for c in classes):
            return None  # not a facet's schema (a definition inside one): held to it, as any other
        return None if any(issubclass(c, container) for c in classes) else classes[0]

    def __call__(self, container: type, core: bool, structurer: Structurer) -> Converter:
        check_base = structurer.converter(container)

        def check_only(value: Any) -> dict[str, Any]:
            if not isinstance(value, dict):
                raise StructureError(f"expected an object, got {describe(value)}")
            for key, facet in value.items():
                try:
                    check_base(facet)
                except StructureError as exc:
                    exc.segments.append(key)
                    raise
            return value

        if not core:
            return check_only
        index, lenient, maps = self.index, self.lenient, self

        def one(key: str, facet: Any) -> Any:
            url = facet.get("_schemaURL") if isinstance(facet, dict) else None
            if not isinstance(url, str):
                check_base(facet)  # raises: not an object, or _schemaURL missing / not a string
                return facet
            strict, classes = index.target(url, key, container)
            if strict and lenient and maps.misplaced(url, key, container) is not None:
                check_base(facet)  # the base of the map it sits in (`_deleted` must be boolean...)
                try:
                    obj = _first_fit(structurer, classes, facet)
                except StructureError:
                    return facet  # its schema is for another kind of facet: kept as a custom facet
                return obj if _is_standard_facet(obj) else facet
            if strict:
                obj = _first_fit(structurer, classes, facet)
                if not isinstance(obj, container):
                    check_base(facet)  # e.g. an input facet in `facets`: `_deleted` must be boolean
                return obj if _is_standard_facet(obj) else facet
            check_base(facet)
            for cls in classes:
                try:
                    obj = structurer.structure(cls, facet)
                except StructureError:
                    continue  # a custom schema under a standard key: keep the JSON as it came
                return obj if _is_standard_facet(obj) else facet
            return facet

        def convert(value: Any) -> dict[str, Any]:
            if not isinstance(value, dict):
                raise StructureError(f"expected an object, got {describe(value)}")
            out = {}
            for key, facet in value.items():
                try:
                    out[key] = one(key, facet)
                except StructureError as exc:
                    exc.segments.append(key)
                    raise
            return out

        return convert


def _first_fit(structurer: Structurer, classes: tuple[type, ...], facet: Any) -> Any:
    """`anyOf` over the classes: the first that accepts the facet, else the deepest error."""
    errors = []
    for cls in classes:
        try:
            return structurer.structure(cls, facet)
        except StructureError as exc:
            errors.append(exc)
    raise max(errors, key=lambda e: len(e.segments))
