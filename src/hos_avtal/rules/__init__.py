"""Rule sets: the agreements and the statute as data files, with effective dates and sources.

A rule set is a TOML file (see ``data/`` for the shipped ones) that names the agreement, its
validity period and every parameter; each parameter value has its own effective period and a
legal source, as in OpenFisca. The engines read parameters resolved for one month.

>>> from hos_avtal.rules import load_ruleset, select_ruleset
>>> select_ruleset("2022-03").id
'vgr-2018'
>>> params = load_ruleset("vgr-2018").betalningsansvar("2022-03")
>>> params.daily_amount_ore, params.average_threshold_days, params.individual_after_days
(930000, Decimal('3.0'), 7)
"""

from hos_avtal.rules._betalningsansvar import CONDITIONS, BetalningsansvarParameters
from hos_avtal.rules._catalog import Catalog, ParameterSpec, catalog_in_force, parameter_catalog
from hos_avtal.rules._loader import (
    available_rulesets,
    check_registrable,
    known_ids,
    load_ruleset,
    parse_ruleset_text,
    select_ruleset,
    shipped_rulesets,
)
from hos_avtal.rules._model import Parameter, ParameterValue, RuleSet
from hos_avtal.rules._plausibility import ACKNOWLEDGEMENTS, Acknowledgement, Limits, plausibility_limits
from hos_avtal.rules._registry import (
    AmountInForce,
    RegisteredAmount,
    RegisteredRuleSet,
    RegisteredTariff,
    Registry,
    active_registry,
    check_registered_amount,
    check_registered_tariff,
    content_sha256,
    daily_amounts_in_force,
    using_registry,
)

__all__ = [
    "ACKNOWLEDGEMENTS",
    "CONDITIONS",
    "Acknowledgement",
    "AmountInForce",
    "BetalningsansvarParameters",
    "Catalog",
    "Limits",
    "Parameter",
    "ParameterSpec",
    "ParameterValue",
    "RegisteredAmount",
    "RegisteredRuleSet",
    "RegisteredTariff",
    "Registry",
    "RuleSet",
    "active_registry",
    "available_rulesets",
    "catalog_in_force",
    "check_registered_amount",
    "check_registered_tariff",
    "check_registrable",
    "content_sha256",
    "daily_amounts_in_force",
    "known_ids",
    "load_ruleset",
    "parameter_catalog",
    "parse_ruleset_text",
    "plausibility_limits",
    "select_ruleset",
    "shipped_rulesets",
    "using_registry",
]
