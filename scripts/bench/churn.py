"""A month's churn of a voter file, for the refresh benchmark (issue 14): from a state file, write the next
month's file in which a share of the voters changed (moved, renamed, a new cell phone, a new status), a
share is new and a share is gone. Deterministic for a given seed. Every change really changes the voter, so
the expected figures of `winserve import voters --replace` are exact."""

from __future__ import annotations

import csv
import random
from pathlib import Path

STATUSES = ("Super", "Likely", "Unreliable", "Unlikely", "First Time")
KINDS = ("moved", "renamed", "phone", "status")
# The voter columns of voters.csv (interfaces.md), in its order; every other column is a district type.
VOTER_CSV_COLUMNS = (
    "LALVOTERID", "State", "FirstName", "MiddleName", "LastName", "NameSuffix", "Age_Int", "Gender",
    "Parties_Description", "Voter_Status", "Residence_Addresses_AddressLine", "Residence_Addresses_City",
    "Residence_Addresses_State", "Residence_Addresses_Zip", "VoterTelephones_CellPhoneFormatted",
    "VoterTelephones_LandlineFormatted", "Marital_Status", "Presence_Of_Children", "Veteran_Status",
    "Homeowner_Probability_Model", "Business_Owner", "Education_Of_Person", "EthnicGroups_EthnicGroup1Desc",
    "Language_Code", "Estimated_Income_Amount_Int",
)
KNOWN = set(VOTER_CSV_COLUMNS)


def write_churned(src: Path, dst: Path, *, changed: float = 0.02, new: float = 0.01, gone: float = 0.01,
                  seed: int = 14) -> dict:
    """Writes `dst` from `src` and returns the expected import figures: `received`, `inserted`, `updated`,
    `removed`, `unchanged`, and the changed voters per kind. Moved voters take the districts and address of
    another voter whose districts differ from theirs."""
    rng = random.Random(seed)

    def rows_of(path: Path):
        with path.open(newline="", encoding="utf-8") as f:
            reader = csv.reader(f)
            yield next(reader)
            yield from reader

    # Streamed in three passes (count, donors, write): a 2M-voter file held as Python lists would take GBs.
    stream = rows_of(src)
    header = next(stream)
    n = sum(1 for _ in stream)
    col = {name: i for i, name in enumerate(header)}
    district_cols = [i for name, i in col.items() if name not in KNOWN]
    address_cols = [col[c] for c in ("Residence_Addresses_AddressLine", "Residence_Addresses_City",
                                     "Residence_Addresses_Zip") if c in col]
    picked = rng.sample(range(n), int(n * (changed + gone)))
    n_gone = int(n * gone)
    gone_set = set(picked[:n_gone])
    kind_of = {i: KINDS[j % len(KINDS)] for j, i in enumerate(picked[n_gone:])}
    n_new = int(n * new)
    donors_at = set(rng.sample(range(n), min(n, 2000)))
    templates_at = [rng.randrange(n) for _ in range(n_new)]
    wanted = donors_at | set(templates_at)
    kept: dict[int, list] = {}
    stream = rows_of(src)
    next(stream)
    for i, row in enumerate(stream):
        if i in wanted:
            kept[i] = row
    donors = [kept[i] for i in sorted(donors_at)]

    kinds = {k: 0 for k in KINDS}
    with dst.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(header)
        stream = rows_of(src)
        next(stream)
        for i, row in enumerate(stream):
            if i in gone_set:
                continue
            kind = kind_of.get(i)
            if kind == "moved":
                mine = [row[c] for c in district_cols]
                other = next(d for d in (rng.choice(donors) for _ in range(1000))
                             if [d[c] for c in district_cols] != mine)
                for c in district_cols + address_cols:
                    row[c] = other[c]
            elif kind == "renamed":
                row[col["LastName"]] = (row[col["LastName"]] + "-Okafor").strip("-")
            elif kind == "phone":
                cell = col["VoterTelephones_CellPhoneFormatted"]
                old = row[cell]
                while row[cell] == old:
                    row[cell] = f"(307) 555-{rng.randrange(10000):04d}"
            elif kind == "status":
                current = row[col["Voter_Status"]]
                row[col["Voter_Status"]] = rng.choice([s for s in STATUSES if s != current])
            if kind:
                kinds[kind] += 1
            writer.writerow(row)
        for k, i in enumerate(templates_at):
            row = list(kept[i])
            row[col["LALVOTERID"]] = f"LALNEW{seed:02d}{k:010d}"
            row[col["FirstName"]] = "Newcomer"
            writer.writerow(row)
    received = n - n_gone + n_new
    updated = len(kind_of)
    return {"received": received, "inserted": n_new, "updated": updated, "removed": n_gone,
            "unchanged": received - n_new - updated, "kinds": kinds, "source_voters": n}
