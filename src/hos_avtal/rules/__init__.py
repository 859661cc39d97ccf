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

from hos_avtal.rules._betalningsansvar import (
    CONDITIONS,
    BetalningsansvarParameters,
    daily_amount,
    daily_amount_decimal,
)
from hos_avtal.rules._betalningsansvar import check_value as check_betalningsansvar_value
from hos_avtal.rules._catalog import (
    RULE_CAPABILITIES,
    Catalog,
    ParameterSpec,
    catalog_in_force,
    parameter_catalog,
)
from hos_avtal.rules._checks import parse_share
from hos_avtal.rules._derive import derive_ruleset, diff_rulesets, value_text
from hos_avtal.rules._home_care import SERVICES, recommended_tariff
from hos_avtal.rules._home_care import check_value as check_home_care_value
from hos_avtal.rules._loader import (
    available_rulesets,
    check_registrable,
    known_ids,
    load_ruleset,
    national_parameters,
    parse_ruleset_text,
    select_ruleset,
    shipped_rulesets,
    vastkom_recommendations,
)
from hos_avtal.rules._model import CARE_TYPES, Parameter, ParameterValue, RawValue, RuleSet
from hos_avtal.rules._placements import PlacementParameters
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
    folder_rulesets,
    using_registry,
)

__all__ = [
    "ACKNOWLEDGEMENTS",
    "CARE_TYPES",
    "CONDITIONS",
    "RULE_CAPABILITIES",
    "SERVICES",
    "Acknowledgement",
    "AmountInForce",
    "BetalningsansvarParameters",
    "Catalog",
    "Limits",
    "Parameter",
    "ParameterSpec",
    "ParameterValue",
    "PlacementParameters",
    "RawValue",
    "RegisteredAmount",
    "RegisteredRuleSet",
    "RegisteredTariff",
    "Registry",
    "RuleSet",
    "active_registry",
    "available_rulesets",
    "catalog_in_force",
    "check_betalningsansvar_value",
    "check_home_care_value",
    "check_registered_amount",
    "check_registered_tariff",
    "check_registrable",
    "content_sha256",
    "daily_amount",
    "daily_amount_decimal",
    "daily_amounts_in_force",
    "derive_ruleset",
    "diff_rulesets",
    "folder_rulesets",
    "known_ids",
    "load_ruleset",
    "national_parameters",
    "parameter_catalog",
    "parse_ruleset_text",
    "parse_share",
    "plausibility_limits",
    "recommended_tariff",
    "select_ruleset",
    "shipped_rulesets",
    "using_registry",
    "value_text",
    "vastkom_recommendations",
]
