"""Regenerate src/lmb/domain/_postcodes.py from the reference postcode list.

Usage: python scripts/gen_postcodes.py ../shared/data/be-postcodes.csv
"""

import csv
import sys
from pathlib import Path

PROVINCES = {
    "Antwerp": "VAN",
    "Brussels": "BRU",
    "East Flanders": "VOV",
    "Flemish Brabant": "VBR",
    "Hainaut": "WHT",
    "Liège": "WLG",
    "Limburg": "VLI",
    "Luxembourg": "WLX",
    "Namur": "WNA",
    "Walloon Brabant": "WBR",
    "West Flanders": "VWV",
}


def main(source: str) -> None:
    rows: dict[str, tuple[str, str]] = {}
    with open(source, encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            rows.setdefault(row["postcode"], (PROVINCES[row["province"]], row["region"]))
    lines = [
        '"""Every Belgian postcode with its province and region (generated, do not edit).',
        "",
        "Source: shared/data/be-postcodes.csv (bpost). Regenerate with scripts/gen_postcodes.py.",
        '"""',
        "",
        "POSTCODES: dict[str, tuple[str, str]] = {",
    ]
    lines += [f'    "{code}": ("{prov}", "{region}"),' for code, (prov, region) in sorted(rows.items())]
    lines.append("}")
    target = Path(__file__).resolve().parents[1] / "src/lmb/domain/_postcodes.py"
    target.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{len(rows)} postcodes written to {target}")


if __name__ == "__main__":
    main(sys.argv[1])
