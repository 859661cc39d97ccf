"""Netting: from each municipality's net position to a short list of payments that settles it.

The invoices of a month form up to 49 × 48 (host → home) pairs. What matters for cash is only
each municipality's net position (what it invoices minus what it is invoiced), and those sum to
zero. The positions are settled greedily: the largest debtor pays the largest creditor the
smaller of the two amounts, until every position is zero. Each step settles at least one
municipality completely, so ``k`` non-zero positions need at most ``k − 1`` payments; each
municipality's payments add up exactly to its position. (The true minimum number of payments is
a subset-sum problem; the greedy answer is deterministic and never more than ``k − 1``.)

The loop runs over at most 49 numbers per month, never over visits.
"""

from __future__ import annotations

from collections.abc import Mapping

from hos_avtal._types import KommunCode, Ore

Payment = tuple[KommunCode, KommunCode, Ore]
"""``(payer, payee, amount in öre)``; the payer is the municipality with a negative position."""


def settle(positions: Mapping[str, int]) -> list[Payment]:
    """Payments that bring every position to zero, largest first; ties broken by kommun code.

    >>> settle({"1480": -500, "1486": 300, "1427": 200, "1401": 0})
    [('1480', '1486', 300), ('1480', '1427', 200)]
    >>> settle({"1480": -300, "1481": -200, "1486": 500})
    [('1480', '1486', 300), ('1481', '1486', 200)]
    """
    if sum(positions.values()) != 0:
        raise ValueError("nettopositionerna måste summera till noll; fakturorna går inte jämnt ut")
    debts = {KommunCode(k): -v for k, v in positions.items() if v < 0}
    credits = {KommunCode(k): v for k, v in positions.items() if v > 0}
    payments: list[Payment] = []
    while debts:
        payer = min(debts, key=lambda k: (-debts[k], k))
        payee = min(credits, key=lambda k: (-credits[k], k))
        amount = min(debts[payer], credits[payee])
        payments.append((payer, payee, Ore(amount)))
        debts[payer] -= amount
        credits[payee] -= amount
        if debts[payer] == 0:
            del debts[payer]
        if credits[payee] == 0:
            del credits[payee]
    return payments
