#!/usr/bin/env python3
"""Lists the public top-level types and functions of each Arbiter module (the list in
ARCHITECTURE.md's "Public API" section). Standard library only; run from the repository root."""
import glob
import re

ORDER = ["ArbiterCore", "ArbiterTensor", "ArbiterJinja", "ArbiterModels", "ArbiterChat", "ArbiterRubric",
         "ArbiterJudge", "ArbiterServer", "ArbiterAgreement", "ArbiterReward", "ArbiterGRPO"]
DECL = re.compile(r"^(?:@\w+(?:\([^)]*\))?\s+)*public\s+(?:final\s+)?(struct|enum|class|protocol|typealias|actor)\s+(\w+)", re.M)
FUNC = re.compile(r"^public\s+func\s+(\w+)", re.M)

for module in ORDER:
    names = set()
    for path in sorted(glob.glob(f"Sources/{module}/**/*.swift", recursive=True)):
        text = open(path, encoding="utf-8").read()
        names.update(name for _, name in DECL.findall(text))
        names.update(name + "()" for name in FUNC.findall(text))
    print(f"- {module}: " + ", ".join(f"`{n}`" for n in sorted(names)))
