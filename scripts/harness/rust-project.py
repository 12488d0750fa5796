#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Add gupguard's crate to a rust-project.json made by the kernel's
generate_rust_analyzer.py, which only finds crate roots whose own directory
has a Kbuild naming them (ours is src/gupguard_main.rs, named by ./Kbuild).

usage: rust-project.py RUST_PROJECT_JSON CRATE_ROOT
"""
import json
import sys

path, root = sys.argv[1], sys.argv[2]
with open(path) as f:
    project = json.load(f)
crates = project["crates"]
index = {c["display_name"]: i for i, c in enumerate(crates)}
kernel = crates[index["kernel"]]
crates.append({
    "display_name": "gupguard_main",
    "root_module": root,
    "is_workspace_member": True,
    "is_proc_macro": False,
    "deps": [{"crate": index[n], "name": n} for n in ("core", "kernel")],
    "cfg": kernel["cfg"] + ["MODULE"],
    "edition": "2021",
    "env": {"RUST_MODFILE": "This is only for rust-analyzer"},
})
with open(path, "w") as f:
    json.dump(project, f, sort_keys=True, indent=4)
