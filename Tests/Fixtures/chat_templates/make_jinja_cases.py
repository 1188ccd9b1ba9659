# Makes jinja_cases.json: expected outputs of jinja2==3.1.6 configured as transformers configures
# it for chat templates (ImmutableSandboxedEnvironment, trim_blocks, lstrip_blocks, loopcontrols,
# tojson = json.dumps(ensure_ascii=False, ...), raise_exception, strftime_now fixed to 26 Jul 2024).
# Part 1: the 10 real templates of renderings.json with tool-calling conversations and extra
# variables. Part 2: small templates exercising one Jinja feature each.
# Usage: python3 make_jinja_cases.py renderings.json > jinja_cases.json   (needs jinja2==3.1.6)
import datetime, json, sys
import jinja2, jinja2.ext
from jinja2.sandbox import ImmutableSandboxedEnvironment

def raise_exception(message): raise jinja2.exceptions.TemplateError(message)
def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
    return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)
def strftime_now(fmt): return datetime.datetime(2024, 7, 26).strftime(fmt)

def render(src, ctx):
    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[jinja2.ext.loopcontrols])
    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    env.globals["strftime_now"] = strftime_now
    try:
        return {"text": env.from_string(src).render(**ctx)}
    except jinja2.exceptions.TemplateSyntaxError as e:
        return {"error": "TemplateSyntaxError", "message": e.message, "line": e.lineno}
    except jinja2.exceptions.TemplateError as e:
        return {"error": type(e).__name__, "message": str(e)}
    except Exception as e:
        return {"error": type(e).__name__, "message": str(e)}

def msg(role, content, **fields):  # role, content first, other keys sorted (the Swift side orders them so)
    m = {"role": role, "content": content}
    for k in sorted(fields): m[k] = fields[k]
    return m

WEATHER = {"type": "function", "function": {"name": "get_weather", "description": "Get the weather in a city.",
           "parameters": {"type": "object", "properties": {"city": {"type": "string", "description": "City name, e.g. Paris"},
                          "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]}}, "required": ["city"]}}}
CALL = {"function": {"arguments": {"city": "Paris", "unit": "celsius"}, "name": "get_weather"}, "id": "call12345", "type": "function"}
CALL_STR = {"function": {"arguments": "{\"city\": \"Paris\"}", "name": "get_weather"}, "id": "call12345", "type": "function"}
CONVS = {
    "tool_use": [msg("system", "You are a helpful assistant."), msg("user", "Weather in Paris?"),
                 msg("assistant", None, tool_calls=[CALL]),
                 msg("tool", "{\"temperature\": 22}", name="get_weather", tool_call_id="call12345"),
                 msg("assistant", "It is 22 °C in Paris.")],
    "tool_use_string_args": [msg("user", "Weather in Paris?"), msg("assistant", None, tool_calls=[CALL_STR]),
                             msg("tool", "22 degrees", tool_call_id="call12345")],
    "thinking": [msg("user", "What is 2+2?"), msg("assistant", "<think>\nSimple sum.\n</think>\n\nIt is 4."),
                 msg("user", "And 3+3? Use “quotes” and ünïcödé.")],
    "empty_and_spaces": [msg("system", "  padded system  \n"), msg("user", "  x  ")],
}
EXTRAS = {
    "none": {},
    "tools": {"tools": [WEATHER]},
    "no_thinking": {"enable_thinking": False},
    "tools_in_system": {"tools": [WEATHER], "tools_in_user_message": False},
    "documents": {"documents": [{"doc_id": 1, "text": "Paris is in France."}], "controls": {"citations": True}},
}
PLAN = [("tool_use", "none"), ("tool_use", "tools"), ("tool_use_string_args", "tools"), ("thinking", "none"),
        ("thinking", "no_thinking"), ("empty_and_spaces", "none"), ("tool_use", "tools_in_system"), ("thinking", "documents")]

out = {"note": __doc__ if __doc__ else "see make_jinja_cases.py", "templates": [], "snippets": []}
for t in json.load(open(sys.argv[1]))["templates"]:
    for conv, extra in PLAN:
        for agp in (True, False):
            ctx = dict(messages=CONVS[conv], add_generation_prompt=agp, bos_token="<s>", eos_token="</s>",
                       date_string="26 Jul 2024", **EXTRAS[extra])
            r = render(t["template"], ctx)
            out["templates"].append(dict(name=t["name"], conversation=conv, extra=extra, add_generation_prompt=agp,
                                         messages=CONVS[conv], variables=EXTRAS[extra], **r))

S = []
def snip(src, **ctx): S.append((src, ctx))
# literals, escapes, arithmetic, precedence
snip("{{ 'a\\tb\\n' ~ \"q\\\"x\" ~ 'it\\'s' }}|{{ 1 + 2 * 3 }}|{{ (1 + 2) * 3 }}|{{ 7 // 2 }}|{{ -7 // 2 }}|{{ 7 % 3 }}|{{ -7 % 3 }}|{{ 2 ** 10 }}|{{ 7 / 2 }}|{{ 6 / 3 }}")
snip("{{ 1.5 + 1 }}|{{ 0.1 + 0.2 }}|{{ 1e3 }}|{{ 3.0 }}|{{ 2 ** -1 }}|{{ true + 1 }}|{{ 10 - 2 - 3 }}|{{ 2 ** 3 ** 2 }}")
snip("{{ none }}|{{ None }}|{{ true }}|{{ False }}|{{ [1, 'a', none, true] }}|{{ {'k': 'v', 'n': [1.0]} }}|{{ ('x', 1) }}|{{ \"it's\" }}|{{ ['it\\'s'] }}")
snip("{{ 'ab' * 3 }}|{{ [1] * 2 }}|{{ [1, 2] + [3] }}|{{ 'a' 'b' }}|{{ 1 ~ 2 }}|{{ x ~ 'y' }}|{{ -x if x is defined else -3 }}")
# comparisons, logic, membership
snip("{{ 1 < 2 < 3 }}|{{ 1 < 3 < 2 }}|{{ 'a' < 'b' }}|{{ 1 == 1.0 }}|{{ 'a' != 'b' }}|{{ 'b' in 'abc' }}|{{ 'z' not in ['a'] }}|{{ 'k' in {'k': 1} }}|{{ 1 in [1, 2] }}")
snip("{{ 0 or 'x' }}|{{ 'a' and 'b' }}|{{ '' and 'b' }}|{{ not 0 }}|{{ not x is defined }}|{{ [] or none }}|{{ 'y' if 0 else 'n' }}|{{ 'y' if 1 }}|[{{ 'y' if 0 }}]")
# undefined behaviour
snip("[{{ missing }}]|{{ missing is defined }}|{{ missing is undefined }}|{{ missing | length }}|{{ missing | default('dflt') }}|{{ '' | default('e') }}|{{ '' | default('e', true) }}|{{ 'k' in missing }}|{% for x in missing %}no{% else %}empty{% endfor %}")
snip("{{ d.nokey is defined }}|{{ d['nokey'] is defined }}|{{ l[10] is defined }}|{{ d.a }}|{{ d['a'] }}|{{ l[-1] }}|{{ none.x is defined }}", d={"a": 1}, l=[1, 2, 3])
snip("{{ missing.attr }}")
snip("{{ missing + 1 }}")
snip("{{ d.x.y }}", d={})
# slicing
snip("{{ l[1:] }}|{{ l[:2] }}|{{ l[::-1] }}|{{ l[-2:] }}|{{ l[::2] }}|{{ s[1:3] }}|{{ s[::-1] }}|{{ l[5:] }}|{{ l[1:-1] }}|{{ s[-1] }}|{{ l[3:0:-1] }}", l=[1, 2, 3, 4], s="héllo")
# strings methods
snip("{{ s.strip() }}|{{ s.lstrip() }}|{{ s.rstrip() }}|{{ s.strip(' x') }}|{{ s.upper() }}|{{ s.lower() }}|{{ s.title() }}|{{ s.split() }}|{{ 'a,b,,c'.split(',') }}|{{ 'a,b,c'.split(',', 1) }}|{{ 'a b  c'.split(' ') }}", s="  xHello wORLD's x  ")
snip("{{ s.startswith('ab') }}|{{ s.endswith(('x', 'cd')) }}|{{ s.replace('b', 'B') }}|{{ s.replace('', '-') }}|{{ s.replace('c', 'C', 0) }}|{{ s.find('c') }}|{{ s.find('z') }}|{{ s.count('a') }}|{{ '-'.join(['a', 'b']) }}|{{ s.capitalize() }}|{{ s.rsplit('b', 1) }}", s="abcdab")
snip("{{ '{} and {}'.format('x', 1) }}|{{ '{name}!'.format(name='n') }}|{{ 'l1\\nl2\\r\\nl3'.splitlines() }}|{{ '42'.isdigit() }}|{{ 'ab'.isalpha() }}|{{ ' '.isspace() }}")
# filters
snip("{{ s | trim }}|{{ s | upper }}|{{ s | lower }}|{{ s | title }}|{{ s | capitalize }}|{{ s | length }}|{{ s | replace('l', 'L') }}|{{ s | trim('  h') }}|{{ s | wordcount }}", s="  hello wORLD-foo(bar)  ")
snip("{{ l | join(', ') }}|{{ l | first }}|{{ l | last }}|{{ l | length }}|{{ l | reverse | list }}|{{ l | sort }}|{{ l | sort(reverse=true) }}|{{ l | unique | list }}|{{ l | sum }}|{{ l | min }}|{{ l | max }}|{{ l | count }}|{{ l | join }}", l=[3, 1, 2, 3])
snip("{{ w | sort }}|{{ w | sort(case_sensitive=true) }}|{{ w | unique | list }}|{{ w | map('upper') | join(',') }}|{{ 'abc' | list }}|{{ 'abc' | reverse }}|{{ w | first | upper }}", w=["b", "B", "a", "C"])
snip("{{ m | selectattr('role', 'equalto', 'user') | map(attribute='content') | list }}|{{ m | rejectattr('role', 'equalto', 'user') | list | length }}|{{ m | selectattr('ok') | list | length }}|{{ m | map(attribute='missing', default='?') | join }}|{{ [1, 2, 3, 4] | select('odd') | list }}|{{ [1, 2, 3, 4] | reject('even') | list }}|{{ ['a', 'b'] | reject('equalto', 'a') | list }}|{{ m | sort(attribute='content') | map(attribute='content') | join }}",
     m=[{"role": "user", "content": "u1", "ok": True}, {"role": "assistant", "content": "a1"}, {"role": "user", "content": "b2", "ok": False}])
snip("{{ d | tojson }}|{{ d | tojson(indent=2) }}|{{ d | tojson(sort_keys=true) }}|{{ d | tojson(separators=(',', ':')) }}|{{ [] | tojson(indent=4) }}|{{ {} | tojson }}|{{ 'é\"\\n\\t\\u0001' | tojson }}|{{ 1.5 | tojson }}|{{ none | tojson }}|{{ [true, false] | tojson }}",
     d={"b": [1, {"x": None}], "a": "ü", "c": 2.0})
snip("{% for k, v in d | items %}{{ k }}={{ v }};{% endfor %}|{% for k, v in d.items() %}{{ k }}:{{ v }};{% endfor %}|{{ d.keys() | list }}|{{ d.values() | list }}|{{ d.get('a') }}|{{ d.get('z', 'dz') }}|{{ d.get('z') }}|{% for k in d %}{{ k }}{% endfor %}|{{ d | dictsort }}|{{ d | length }}", d={"b": 2, "a": 1})
snip("{{ '3' | int + 1 }}|{{ '3.7' | int }}|{{ 'x' | int }}|{{ 'x' | int(7) }}|{{ 3.9 | int }}|{{ '2.5' | float }}|{{ 2 | float }}|{{ 2.567 | round(2) }}|{{ 2.5 | round }}|{{ 3.5 | round }}|{{ 2.1 | round(0, 'ceil') }}|{{ -3 | abs }}|{{ 3 | string ~ 'x' }}|{{ [1, 2] | string }}")
snip("{{ 'a\\nb\\n\\nc' | indent(2) }}|{{ 'a\\nb' | indent(2, true) }}|{{ '<a&b>' | e }}|{{ '<x>' | safe }}")
# tests
snip("{{ 1 is number }}|{{ 1.0 is float }}|{{ 1 is integer }}|{{ true is boolean }}|{{ true is number }}|{{ 'a' is string }}|{{ {} is mapping }}|{{ [] is iterable }}|{{ 'a' is iterable }}|{{ 3 is odd }}|{{ 4 is even }}|{{ 9 is divisibleby 3 }}|{{ none is none }}|{{ false is false }}|{{ 1 is true }}|{{ 'a' is equalto 'a' }}|{{ 2 is gt 1 }}|{{ 2 is in [2] }}|{{ 'ab' is lower }}|{{ x is not none }}|{{ range is callable }}|{{ [] is sequence }}|{{ 1 is sameas 1 }}", x=None)
# statements
snip("{% for x in l %}{{ loop.index }}{{ loop.index0 }}{{ loop.first }}{{ loop.last }}{{ loop.length }}{{ loop.revindex }}{{ loop.revindex0 }}-{% endfor %}", l=["a", "b", "c"])
snip("{% for x in l if x != 'b' %}{{ loop.index }}{{ x }}{{ loop.last }},{% endfor %}|{% for x in [] %}x{% else %}none{% endfor %}|{% for a, b in [[1, 2], [3, 4]] %}{{ a + b }}{% endfor %}|{% for x in l %}{% if x == 'b' %}{% continue %}{% endif %}{% if x == 'd' %}{% break %}{% endif %}{{ x }}{% endfor %}", l=["a", "b", "c", "d", "e"])
snip("{% for x in l %}{{ loop.previtem | default('^') }}{{ x }}{{ loop.nextitem | default('$') }} {% endfor %}|{% for i in range(3) %}{{ i }}{% endfor %}|{% for i in range(1, 10, 3) %}{{ i }}{% endfor %}|{% for i in range(5, 0, -2) %}{{ i }}{% endfor %}|{{ range(3) | list }}", l=[1, 2, 3])
snip("{% for o in l %}{% for i in o %}{{ loop.index }}/{{ i }} {% endfor %}{{ loop.index }};{% endfor %}", l=[[1, 2], [3]])
snip("{% set x = 1 %}{% if true %}{% set x = 2 %}{% endif %}{{ x }}|{% for i in [1] %}{% set x = 3 %}{{ x }}{% endfor %}|{{ x }}|{% set a, b = 1, 2 %}{{ a }}{{ b }}|{% set t = (1, 2) %}{{ t }}")
snip("{% set ns = namespace(n=0, s='') %}{% for i in range(4) %}{% set ns.n = ns.n + i %}{% set ns.s = ns.s ~ i %}{% endfor %}{{ ns.n }}{{ ns.s }}|{% set ns2 = namespace() %}{% set ns2.found = true %}{{ ns2.found }}|{{ ns.missing is defined }}")
snip("{% set block %}inner {{ 1 + 1 }}{% endset %}[{{ block }}]|{% macro greet(name, punct='!') %}Hi {{ name }}{{ punct }}{% endmacro %}{{ greet('A') }} {{ greet('B', '?') }} {{ greet(name='C', punct='.') }}")
snip("{% macro f(n) %}{% if n > 0 %}{{ n }}{{ f(n - 1) }}{% endif %}{% endmacro %}{{ f(4) }}|{{ (f(2) | length) }}")
snip("{% if x %}A{% elif y %}B{% else %}C{% endif %}{% if not x and not y %}D{% endif %}", x=0, y="")
snip("{{ raise_exception('custom: ' ~ 42) }}")
snip("{{ strftime_now('%Y-%m-%d %A %a %B %b %j') }}")
snip("{# comment #}a{#- c -#} b {{- ' c ' -}} d{{ 'e' }}  {%- if true -%}  f  {%- endif -%}  g")
# whitespace control with trim_blocks / lstrip_blocks
snip("<ul>\n  {% for i in l %}\n    <li>{{ i }}</li>\n  {% endfor %}\n</ul>\n  {# note #}\nend", l=[1, 2])
snip("a  {% if true %}b{% endif %}  c\n    {%+ if true %}plus{% endif %}\n{% if true +%}\nkept newline{% endif %}\n  {{ 'var' }}\n\tx {%- if true %}\n y{% endif %}\n")
snip("line1\r\nline2\r{% if true %}\r\nz{% endif %}\n\n")
snip("{{ {'a': {'b': 1}} }} {{ {'a': {'b': 1}}['a']['b'] }}")
snip("{{ x.y }}", x={"y": "{{ not rendered }}"})
snip("{{ m['items'] }}|{{ m.items() | list }}", m={"items": 1})
snip("{{ [1, 2].append(3) }}")
snip("{{ 1 / 0 }}")
snip("{{ 'a' + 1 }}")
snip("{{ 'a' < 1 }}")
snip("{% for a, b in [1] %}{% endfor %}")
snip("{{ 'x' | nosuchfilter }}")
# scoping and more edge cases
snip("{% for i in [1, 2] %}{% if i == 1 %}{% set x = 'a' %}{% endif %}[{{ x }}]{% endfor %}|{{ i is defined }}|{% for i in [1] %}{% for j in [1, 2] %}{% endfor %}{{ loop.length }}{% endfor %}")
snip("{% set g = 'G' %}{% macro m(a, b=g) %}{{ a }}{{ b }}{{ g }}{% endmacro %}{{ m(1) }}|{% for k, v in {'a': 1, 'b': 2}.items() %}{{ k }}{{ v }}{% endfor %}|{% for x in [] %}{% else %}{% set e = 1 %}{{ e }}{% endfor %}")
snip("{{ 10 / 5 }}|{{ 1e20 }}|{{ 0.1 * 3 }}|{{ 1 / 3 }}|{{ 2 ** 0.5 }}|{{ -0.0 }}|{{ 1e-5 }}|{{ 123456789.0 * 1000000000 }}|{{ 1e16 }}|{{ 1e15 }}|{{ 2.5e-3 }}|{{ 7 // 2.0 }}|{{ -7 % 2.5 }}")
snip("{{ '\\u00e9\\x41\\\\n' }}|{{ 'a\\qb' }}|{{ \"mixed 'quotes'\" }}|{{ ['a\\nb'] }}|{{ {'k': \"it's\"} }}|{{ 'tab\\there' | tojson }}")
snip("{{ none | string }}|{{ none | trim }}|{{ d | join(',') }}|{{ d | length }}|{{ d | first }}|{{ d | list }}|{{ 'abc' is in 'xabcx' }}|{{ l[None:2] }}|{{ none == none }}|{{ none is sameas none }}", d={"x": 1, "y": 2}, l=[1, 2, 3])
snip("{{ l[1:2:0] }}", l=[1, 2])
snip("{{ '%s' % 'x' }}|{{ '%s=%d %r %%' % ('k', 3, 'v') }}|{{ '%5.2f|%-3s|%03d' % (3.14159, 'a', 7) }}")
snip("{% set a = [1, 2, 3] %}{{ a | map('string') | join('-') }}|{{ a | select('gt', 1) | list }}|{{ a | reject('in', [2]) | list }}|{{ a | sum(start=10) }}|{{ [[1], [2]] | sum(start=[]) }}|{{ ['b', 'a'] | max }}")
snip("{% for m in msgs %}{{ m.role | upper }}{% if not loop.last %},{% endif %}{% endfor %}|{{ msgs | map(attribute='role') | unique | list }}", msgs=[{"role": "user"}, {"role": "assistant"}, {"role": "user"}])
snip("{%- for i in range(3) -%}\n  {{ i }}\n{%- endfor %}\n{% if true %}\n  yes\n{% endif %}\n{%- if false %}no{% elif true %}\n elif\n{% endif -%}\n  end")
snip("{{ x | default(none) is none }}|{{ x | d(1) }}|{{ 0 | default(5) }}|{{ false | default(5, true) }}|{{ [] | first is defined }}|{{ {'a': none}.a is none }}|{{ {'a': none}.a is defined }}")
snip("{{ 'Hello World'.split(' ')[-1].lower().startswith('w') }}|{{ ('a' ~ 1 ~ none ~ true) }}|{{ 'x'.join(['1', '2']) }}|{{ 'a-b_c d'.title() }}|{{ 'ǆemal'.title() }}|{{ 'ß'.upper() }}|{{ 'İ'.lower() | length }}")

for src, ctx in S:
    out["snippets"].append(dict(template=src, variables=ctx, **render(src, ctx)))

# Part 3: 200 random whitespace-control templates (seeded): text with spaces, tabs and newlines
# around block, variable and comment tags carrying -, + or no modifier, with balanced blocks.
import random
rng = random.Random(20240726)
TEXTS = ["", " ", "  ", "\t", "\n", " \n", "\n  ", "\n\t ", "a", " b ", "c\n", "\n\nd  ", "  e\n  ", "\r\n f"]
def side(): return rng.choice(["", "-", "+"])
def tag(body, kind="%"):
    left, right = side(), side()
    if kind == "{": left, right = left.replace("+", ""), right.replace("+", "")
    close = "}}" if kind == "{" else kind + "}"
    return "{" + kind + left + " " + body + " " + right + close
def block(depth):
    parts = []
    for _ in range(rng.randint(1, 4)):
        r = rng.random()
        parts.append(rng.choice(TEXTS))
        if r < 0.25 and depth < 3:
            cond = rng.choice(["true", "false", "x"])
            parts.append(tag("if " + cond) + block(depth + 1))
            if rng.random() < 0.4: parts.append(rng.choice(TEXTS) + tag("else") + block(depth + 1))
            parts.append(rng.choice(TEXTS) + tag("endif"))
        elif r < 0.4 and depth < 3:
            parts.append(tag("for i in l") + block(depth + 1) + rng.choice(TEXTS) + tag("endfor"))
        elif r < 0.6:
            parts.append(tag(rng.choice(["'v'", "i", "x", "' s '"]), "{"))
        elif r < 0.75:
            parts.append(tag("c", "#"))
        elif r < 0.85:
            parts.append(tag("set y = 1"))
    return "".join(parts)
for _ in range(200):
    src = block(0) + rng.choice(TEXTS)
    src = src.replace("\\t", "\t").replace("\\n", "\n").replace("\\r", "\r")
    ctx = {"x": 1, "l": [1, 2]}
    out.setdefault("whitespace", []).append(dict(template=src, variables=ctx, **render(src, ctx)))
print(json.dumps(out, indent=1, ensure_ascii=False))
