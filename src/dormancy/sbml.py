"""Export ODE models to SBML Level 3 Version 2 with source annotations (python-libsbml).

A model is described as data (:class:`SbmlOdeModel`): constant parameters from the registry, derived constants
given by formulas (SBML initial assignments), and state variables with rate rules. Each registry parameter carries
its sources twice: as a MIRIAM ``bqbiol:isDescribedBy`` annotation (DOI, PubMed or URL) and as readable notes.
The export lets an independent solver (libroadrunner) integrate the same equations as a cross-check.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from html import escape
from typing import Literal

from dormancy._optional import optional_module
from dormancy.params import Parameter, load_bibliography

libsbml = optional_module("libsbml")  # the "sbml" extra; imported at first use

SECONDS_PER = {"day": 86400.0, "hour": 3600.0}
SBML_LEVEL = 3
SBML_VERSION = 2


@dataclass(frozen=True)
class SbmlQuantity:
    """A state variable or derived constant of an exported model.

    Parameters
    ----------
    id : str
        SBML identifier.
    name : str
        Readable description.
    unit : str
        Unit, written into the notes (SBML unit definitions are not used for cell counts and percentages).
    formula : str
        SBML Level 3 infix formula: the initial value (states) or the value (derived constants).
    """

    id: str
    name: str
    unit: str
    formula: str


@dataclass(frozen=True)
class SbmlOdeModel:
    """An ODE model as data, ready for SBML export.

    Parameters
    ----------
    id, name : str
        Model identifier and title.
    description : str
        Notes for the whole model (equations, sources).
    parameters : tuple of Parameter
        Registry records, exported as constant SBML parameters with the record symbol as identifier.
    derived : tuple of SbmlQuantity
        Constants computed from parameters (initial assignments), in dependency order.
    states : tuple of SbmlQuantity
        State variables with their initial-value formulas.
    rate_rules : mapping of str to str
        ``d(state)/dt`` formula for each state id, per day.
    model_sources : tuple of str
        Citation keys for the model as a whole.
    time_unit : {"day", "hour"}
        Unit of the model's time (and of every rate rule's denominator).
    assignments : tuple of SbmlQuantity
        Quantities that change with the states (SBML assignment rules, e.g. quasi-steady ligands), in
        dependency order; their formulas may use parameters, derived constants, states and earlier assignments.
    """

    id: str
    name: str
    description: str
    parameters: tuple[Parameter, ...]
    derived: tuple[SbmlQuantity, ...]
    states: tuple[SbmlQuantity, ...]
    rate_rules: Mapping[str, str]
    model_sources: tuple[str, ...]
    time_unit: Literal["day", "hour"] = "day"
    assignments: tuple[SbmlQuantity, ...] = ()


def _check(status: int, what: str) -> None:
    if status != libsbml.LIBSBML_OPERATION_SUCCESS:
        raise RuntimeError(f"libsbml failed to {what}: {libsbml.OperationReturnValue_toString(status)}")


def _math(formula: str, where: str) -> libsbml.ASTNode:
    node = libsbml.parseL3Formula(formula)
    if node is None:
        raise ValueError(f"{where}: cannot parse formula {formula!r}: {libsbml.getLastParseL3Error()}")
    return node


def _resource_uri(key: str) -> str:
    reference = load_bibliography().resolve(key)
    if reference.doi:
        return f"https://doi.org/{reference.doi}"
    if reference.pmid:
        return f"https://identifiers.org/pubmed:{reference.pmid}"
    if reference.url:
        return reference.url
    return f"urn:dormancy:citation:{key}"


def _annotate(element: libsbml.SBase, meta_id: str, keys: tuple[str, ...], text: str) -> None:
    _check(element.setMetaId(meta_id), f"set metaid {meta_id}")
    term = libsbml.CVTerm(libsbml.BIOLOGICAL_QUALIFIER)
    term.setBiologicalQualifierType(libsbml.BQB_IS_DESCRIBED_BY)
    for key in keys:
        _check(term.addResource(_resource_uri(key)), f"annotate {meta_id} with {key}")
    _check(element.addCVTerm(term), f"attach annotation to {meta_id}")
    bibliography = load_bibliography()
    cited = "".join(f"<p>[{escape(key)}] {escape(bibliography.resolve(key).short())}</p>" for key in keys)
    notes = f'<body xmlns="http://www.w3.org/1999/xhtml"><p>{escape(text)}</p>{cited}</body>'
    _check(element.setNotes(notes), f"set notes of {meta_id}")


def _add_parameter(model: libsbml.Model, identifier: str, value: float | None, constant: bool) -> libsbml.Parameter:
    parameter = model.createParameter()
    _check(parameter.setId(identifier), f"set id {identifier}")
    _check(parameter.setConstant(constant), f"set constant on {identifier}")
    if value is not None:
        _check(parameter.setValue(value), f"set value of {identifier}")
    return parameter


def write_sbml(spec: SbmlOdeModel) -> str:
    """Return the SBML L3V2 document of an ODE model as a string, validated for internal consistency.

    Parameters
    ----------
    spec : SbmlOdeModel
        The model as data.

    Raises
    ------
    ValueError
        If a formula cannot be parsed or the document has consistency errors.
    """
    document = libsbml.SBMLDocument(SBML_LEVEL, SBML_VERSION)
    model = document.createModel()
    _check(model.setId(spec.id), "set model id")
    _check(model.setName(spec.name), "set model name")
    time_unit = model.createUnitDefinition()
    _check(time_unit.setId(spec.time_unit), f"define the {spec.time_unit}")
    unit = time_unit.createUnit()
    unit.setKind(libsbml.UNIT_KIND_SECOND)
    unit.setExponent(1)
    unit.setScale(0)
    unit.setMultiplier(SECONDS_PER[spec.time_unit])
    _check(model.setTimeUnits(spec.time_unit), "set time units")
    _annotate(model, f"meta_{spec.id}", spec.model_sources, spec.description)

    for record in spec.parameters:
        parameter = _add_parameter(model, record.symbol, record.value, constant=True)
        parameter.setName(f"{record.label}: {record.description}")
        text = f"{record.name} = {record.value:g} {record.unit}; prior {record.prior.describe()}; {record.note}"
        _annotate(parameter, f"meta_{record.symbol}", record.source, text)
    for quantity in (*spec.derived, *spec.states):
        is_state = quantity in spec.states
        parameter = _add_parameter(model, quantity.id, None, constant=not is_state)
        parameter.setName(f"{quantity.name} ({quantity.unit})")
        assignment = model.createInitialAssignment()
        _check(assignment.setSymbol(quantity.id), f"assign {quantity.id}")
        _check(assignment.setMath(_math(quantity.formula, quantity.id)), f"set math of {quantity.id}")
    for quantity in spec.assignments:
        parameter = _add_parameter(model, quantity.id, None, constant=False)
        parameter.setName(f"{quantity.name} ({quantity.unit})")
        rule = model.createAssignmentRule()
        _check(rule.setVariable(quantity.id), f"assignment rule for {quantity.id}")
        _check(rule.setMath(_math(quantity.formula, quantity.id)), f"set math of {quantity.id}")
    for state in spec.states:
        rule = model.createRateRule()
        _check(rule.setVariable(state.id), f"rate rule for {state.id}")
        _check(rule.setMath(_math(spec.rate_rules[state.id], f"d{state.id}/dt")), f"set math of d{state.id}/dt")

    document.checkInternalConsistency()
    errors = [
        document.getError(i).getMessage()
        for i in range(document.getNumErrors())
        if document.getError(i).getSeverity() >= libsbml.LIBSBML_SEV_ERROR
    ]
    if errors:
        raise ValueError("SBML export is inconsistent: " + "; ".join(errors))
    return libsbml.writeSBMLToString(document)
