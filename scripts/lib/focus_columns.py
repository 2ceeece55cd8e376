#!/usr/bin/env python3
"""The FOCUS column rules, derived from the specification's own column files at a tag.

Usage: python3 scripts/lib/focus_columns.py --spec-repo GITDIR --tag v1.2 > scripts/lib/focus-1.2-columns.json

GITDIR is a git directory of github.com/FinOps-Open-Cost-and-Usage-Spec/FOCUS_Spec (a bare clone
works). Each column's name, feature level, data type, nullability, value format, allowed values and
normative statements are read from specification/columns/*.md (the set and order of
specification/columns/columns.mdpp): the "Content constraints" table, its "Allowed values" table and
the MUST/SHOULD/MAY bullets. `check_focus.py` validates the FOCUS export against the result.
"""
import argparse
import json
import re
import subprocess

arguments = argparse.ArgumentParser(description=__doc__.splitlines()[0])
arguments.add_argument("--spec-repo", required=True)
arguments.add_argument("--tag", default="v1.2")
options = arguments.parse_args()
GITDIR = options.spec_repo
TAG = options.tag
commit=subprocess.check_output(["git","--git-dir",GITDIR,"rev-parse",TAG+"^{commit}"],text=True).strip()
mdpp=subprocess.check_output(["git","--git-dir",GITDIR,"show",f"{TAG}:specification/columns/columns.mdpp"],text=True)
files=re.findall(r'!INCLUDE "([^"]+)"',mdpp)

def clean(s):
    s=re.sub(r'\[([^\]]*)\]\([^)]*\)',r'\1',s)   # links
    s=s.replace('\\<','<')
    s=re.sub(r'(?<![\w*])\*([^*]+)\*(?![\w*])',r'\1',s)  # italics
    s=s.replace('*','') if s.count('*')==1 else s
    s=re.sub(r'\s+',' ',s).strip()
    return s

KW=re.compile(r'\b(MUST|SHOULD|MAY|RECOMMENDED|REQUIRED|OPTIONAL)\b')

def sections(text):
    secs={}; cur='_intro'; secs[cur]=[]
    for line in text.splitlines():
        m=re.match(r'^(#{1,3})\s+(.*)',line)
        if m and len(m.group(1))>=2:
            cur=m.group(2).strip().lower(); secs[cur]=[]; continue
        if m and len(m.group(1))==1:
            secs['_title']=[m.group(2).strip()]; continue
        secs.setdefault(cur,[]).append(line)
    return secs

def parse_table(lines):
    rows=[]
    for l in lines:
        l=l.strip()
        if not l.startswith('|'): 
            if rows: break
            continue
        cells=[c.strip() for c in l.strip('|').split('|')]
        if all(re.fullmatch(r':?-+:?',c) for c in cells if c): continue
        rows.append(cells)
    return rows

def prefix_from_parent(p):
    p=clean(p)
    if KW.search(p): return None
    if re.search(r'(nullability|presence in a FOCUS dataset) is defined as follows:?$',p): return ''
    if re.search(r'^The relationship between .* is defined as follows:?$',p): return ''
    m=re.match(r'^(When .*?), \w+ adheres to the following additional requirements:?$',p)
    if m: return m.group(1)
    m=re.match(r'^(.*?) (adheres|adhere) to the following additional requirements:?$',p)
    if m: return m.group(1)
    if p.endswith(':'): return p[:-1]
    return p

def parse_reqs(lines):
    # collect bullets with indentation until first '## '
    items=[]
    for l in lines:
        m=re.match(r'^(\s*)\* (.*)',l)
        if m: items.append([len(m.group(1))//2, m.group(2)])
        elif items and l.strip() and not l.startswith('See ') and not l.startswith('#') and re.match(r'^\s+\S',l):
            items[-1][1]+=' '+l.strip()
    out=[]; stack=[]
    for lvl,txt in items:
        stack=stack[:lvl]
        t=clean(txt)
        if KW.search(t):
            ctx=[c for c in stack if c]
            out.append((': '.join(ctx)+': ' if ctx else '')+t)
            stack.append('')  # children of normative bullet get no extra prefix
        else:
            pf=prefix_from_parent(txt)
            stack.append(pf or '')
    return out

DISC={
 "PricingCurrency":["Content Constraints table says Allows nulls = True, but normative text says 'PricingCurrency MUST NOT be null.'"],
 "PricingCurrencyEffectiveCost":["Content Constraints table says Allows nulls = True, but normative text says 'PricingCurrencyEffectiveCost MUST NOT be null.' (when the column is present)."],
 "PricingUnit":["Content Constraints Value format = Unit Format, but normative text only says PricingUnit SHOULD conform to UnitFormat."],
 "ConsumedUnit":["Value format cell is literally 'Unit Format recommended'; normative text: ConsumedUnit SHOULD conform to UnitFormat."],
 "CommitmentDiscountUnit":["Value format = Unit Format, normative text: SHOULD conform to UnitFormat."],
 "BillingAccountType":["Table: Conditional with Allows nulls = False; text: MUST be null when BillingAccountId is null (BillingAccountId itself MUST NOT be null, so in practice never null)."],
 "PricingCurrencyListUnitPrice":["Source text typo: the 'When PricingCurrencyListUnitPrice is not null' bullet says 'ListUnitPrice adheres to the following additional requirements'."],
 "ContractedUnitPrice":["Source has a stray non-normative bullet 'ContractedUnitPrice adheres to the following additional requirements:' with no children (omitted here)."],
}
cols=[]
for f in files:
    path=f"specification/columns/{f}"
    text=subprocess.check_output(["git","--git-dir",GITDIR,"show",f"{TAG}:{path}"],text=True)
    s=sections(text)
    name=[l for l in s['column id'] if l.strip()][0].strip()
    disp=[l for l in s['display name'] if l.strip()][0].strip()
    cc_key=[k for k in s if k.startswith('content constraint')][0]
    cc_lines=s[cc_key]
    tbl=parse_table(cc_lines)
    cc={r[0].lower():r[1] for r in tbl[1:]} if tbl and tbl[0][0].lower()=='constraint' else {r[0].lower():r[1] for r in tbl}
    # allowed values table
    allowed=None; parents=None
    joined='\n'.join(cc_lines)
    if re.search(r'Allowed values:',joined):
        idx=[i for i,l in enumerate(cc_lines) if 'Allowed values:' in l][0]
        at=parse_table(cc_lines[idx+1:])
        hdr=[h.lower() for h in at[0]]
        if 'service subcategory' in hdr:
            ci=hdr.index('service subcategory'); pi=hdr.index('service category')
            allowed=[r[ci] for r in at[1:]]; parents={r[ci]:r[pi] for r in at[1:]}
        else:
            allowed=[r[0] for r in at[1:]]
        descs={ (r[hdr.index('service subcategory')] if 'service subcategory' in hdr else r[0]): clean(r[-1]) for r in at[1:]}
    # requirement bullets are in intro section (before '## Column ID')
    reqs=parse_reqs(s['_intro'])
    vf=clean(cc.get('value format',''))
    unit_req=None
    for r in reqs:
        m=re.search(r'\b(MUST|SHOULD) conform to UnitFormat',r)
        if m: unit_req=m.group(1)
    presence=[r for r in reqs if re.search(r'(present in a FOCUS dataset)',r)]
    intro=[l for l in s.get('introduced (version)',[]) if l.strip()]
    entry={
      "name":name,
      "id":f[:-3],
      "file":path,
      "display_name":disp,
      "column_type":clean(cc.get('column type','')),
      "feature_level":clean(cc.get('feature level','')),
      "data_type":clean(cc.get('data type','')),
      "allows_nulls":{"true":True,"false":False}[clean(cc.get('allows nulls','')).lower()],
      "value_format":vf,
    }
    nr=[v for k,v in cc.items() if k=='number range']
    if nr: entry["number_range"]=clean(nr[0])
    entry["allowed_values"]=allowed
    if allowed: entry["allowed_values_descriptions"]=descs
    if parents: entry["allowed_values_parent_category"]=parents
    entry["unit_format"]= bool(unit_req) or 'Unit Format' in vf
    if entry["unit_format"]: entry["unit_format_requirement_level"]=unit_req
    entry["presence"]=presence
    entry["introduced"]=intro[0].strip() if intro else None
    entry["requirements"]=reqs
    if name in DISC: entry["discrepancies"]=DISC[name]
    cols.append(entry)

out={"version":TAG.lstrip("v"),"tag":TAG,"regenerate":f"python3 scripts/lib/focus_columns.py --spec-repo DIR --tag {TAG} > scripts/lib/focus-{TAG.lstrip('v')}-columns.json","commit":commit,
     "tag_type":"lightweight (refs/tags/v1.2 points directly at the commit)",
     "repo":"https://github.com/FinOps-Open-Cost-and-Usage-Spec/FOCUS_Spec",
     "source":"specification/columns/*.md (order/inclusion per specification/columns/columns.mdpp)",
     "notes":[
       "requirements[] are the literal normative bullets (MUST/SHOULD/MAY/RECOMMENDED) with markdown links/italics stripped; nested bullets are prefixed with their parent's condition.",
       "allows_nulls/feature_level/data_type/value_format copied from each file's Content Constraints table; where the table and normative text differ, the normative text is in requirements[] (see per-column 'discrepancies').",
       "unit_format is true when the Value format cell names Unit Format or a bullet says '<col> MUST|SHOULD conform to UnitFormat'; unit_format_requirement_level gives that keyword (all three unit columns say SHOULD)."
     ],
     "columns":cols}
print(json.dumps(out, indent=2, ensure_ascii=False))
