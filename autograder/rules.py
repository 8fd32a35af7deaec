"""The exercises' rules, read from the student's code as text.

A rule enforced inside the process that runs the student's code can be switched off by that code
(guards.py is a teaching aid in JupyterLab). A rule read from the code's syntax tree cannot: what
the text says is what it does, and code whose effect cannot be read from its text (names or code
built at run time, the interpreter's own machinery, a module outside the course's list) breaks a
rule of its own. The grader reads the submission's cells (grading/judge.py); a visible check reads
every cell its kernel has run (``in_kernel``, called by probes.run), so a student learns of a broken
rule in the same words before submitting.

The rules (``guards.RULES``), by the guard a check runs the student's function under:

- every guard: "autograder" (no reach into the checking library's insides) and "readable";
- "by_hand" (numpy by hand): also "torch", anywhere in the student's cells;
- "no_autograd" (a backward pass by hand): also "autograd", in the function and what it calls.

Lists of what answer cells may use, not of what they may not: a door nobody thought of stays shut.
"""
import ast

# Modules an answer cell may import: what the course's notebooks use, and harmless standard helpers.
MODULES = ("numpy", "torch", "math", "random", "time", "itertools", "functools", "collections", "typing",
           "dataclasses", "copy", "operator", "numbers", "statistics", "warnings", "matplotlib", "IPython.display")
# The checking library's modules a notebook imports; the rest of it is its insides (the oracles).
PUBLIC = ("autograder", "autograder.checks", "autograder.nn_checks", "autograder.plots", "autograder.problems")
PUBLIC_NAMES = tuple(m.split(".")[-1] for m in PUBLIC)
# What the public modules hold of the insides: the oracles, and the machinery that reports values.
INSIDES = ("oracles", "probes", "wire", "guards", "rules", "compare", "diagnosis", "grading", "PROBES", "GUARDS",
           "MISTAKES", "reference")
# Builtins that run, find or change code by a name or text made at run time, or reach the process's files.
DYNAMIC = ("__import__", "exec", "eval", "compile", "globals", "vars", "locals", "open", "breakpoint",
           "getattr", "setattr", "delattr", "__builtins__", "__loader__", "__spec__", "get_ipython")
# Magics the course's notebooks may use (IPython turns them into get_ipython() calls with their name).
MAGICS = ("matplotlib", "time", "timeit", "capture", "pprint", "precision", "who", "whos")
# The only dunder attributes an honest answer touches (super().__init__(), a class's name).
DUNDERS = ("__init__", "__name__", "__doc__")
# Attributes that lead out of the exercise: to the interpreter and its modules (torch.sys, np.os), to
# frames and their globals (a generator's gi_frame), to files (a socket's descriptor is a file too), to
# pickles (code run when loaded). No answer of the course needs one.
OUTSIDE = ("sys", "os", "builtins", "importlib", "subprocess", "ctypes", "ctypeslib", "gc", "inspect", "io", "socket",
           "pickle", "marshal", "shutil", "pathlib", "signal", "threading", "multiprocessing", "runpy", "code", "codeop",
           "posix", "fcntl", "mmap", "resource", "tempfile", "linecache", "traceback", "site", "weakref", "atexit",
           "modules", "f_globals", "f_locals", "f_builtins", "f_back", "f_code", "gi_frame", "cr_frame", "ag_frame",
           "tb_frame", "tb_next", "gi_code", "co_code", "load", "loads", "load_inline", "load_library", "save", "savez",
           "savez_compressed", "savetxt", "loadtxt", "genfromtxt", "tofile", "fromfile", "memmap", "fdopen", "open",
           "write", "system", "popen", "spawn")
# Attributes by which autograd is asked for a gradient, or told to keep one.
AUTOGRAD = ("backward", "grad", "autograd", "func", "vjp", "jvp", "jacobian", "hessian", "vhp", "hvp",
            "jacrev", "jacfwd", "grad_and_value", "requires_grad", "requires_grad_", "retain_grad", "grad_fn",
            "enable_grad", "set_grad_enabled")
AUTOGRAD_MODULES = ("torch.autograd", "torch.func")

# Modules a notebook's student process cannot import at all (grading/isolation/student_server.seal), by assignment.
FORBIDDEN = {"01_numpy": ("torch",)}
# The rules each guard enforces besides "autograder" and "readable", which every guard does.
GUARD_RULES = {"by_hand": ("torch",), "no_autograd": ("autograd",), "no_oracles": ()}
# Names whose private attributes an honest answer may touch: its own object's.
OWN = ("self", "cls", "ctx")


class Reading:
    """What a student's cells do, by scope: a top-level function or class by its name, the cells' top-level
    code as None. Read once, asked for each step."""

    def __init__(self):
        self.statements = {None: []}  # scope -> [(cell id, statement)]
        self.imports = {}             # local name -> module, over every cell
        self._uses = None

    def add(self, source, cell=""):
        """Read one cell's source (IPython syntax: magics allowed)."""
        tree = parse(source)
        if tree is None:
            return  # the probe reports the SyntaxError itself, with the student's line
        for statement in tree.body:
            if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                self.statements[statement.name] = [(cell, statement)]  # defined again: the last one is the one kept
            else:
                self.statements[None].append((cell, statement))
        self.imports.update(_imported_names(tree))
        self._uses = None

    def uses(self, scope):
        """[(rule, what)] of one scope, in order."""
        if self._uses is None:
            self._uses = {name: [(rule, what + (f", cell {cell}" if cell else ""))
                                 for cell, statement in statements for rule, what in _uses(statement, self.imports)]
                          for name, statements in self.statements.items()}
        return self._uses.get(scope, [])

    def broken(self, name, guard):
        """(rule, what) for the first rule that calling the student's ``name`` under ``guard`` breaks, or None.
        The cells' top-level code counts for every name (it ran before); a function counts with every
        function of the student's it names (it may call them)."""
        rules = ("autograder", "readable", *GUARD_RULES.get(guard, ()))
        for scope in [None, *self._reached(name)]:
            for rule, what in self.uses(scope):
                if rule in rules and not (scope is None and rule == "autograd"):  # autograd is about the call
                    return rule, what
        return None

    def _reached(self, name):
        seen, todo = [], [name]
        while todo:
            current = todo.pop()
            if current is not None and current in self.statements and current not in seen:
                seen.append(current)
                todo += sorted({n.id for _, statement in self.statements[current]
                                for n in ast.walk(statement) if isinstance(n, ast.Name)})
        return seen


def read(cells):
    """A Reading of ``cells``: [(cell id, source)] in notebook order."""
    reading = Reading()
    for cell, source in cells:
        reading.add(source, cell)
    return reading


def parse(source):
    """The syntax tree of a cell as IPython runs it (magics made calls), or None if it has none."""
    from IPython.core.inputtransformer2 import TransformerManager

    try:
        return ast.parse(TransformerManager().transform_cell(source))
    except (SyntaxError, ValueError):
        return None


def _imported_names(tree):
    """{local name: module or module.name} for the names the imports in ``tree`` bind."""
    names = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                names[alias.asname or alias.name.split(".")[0]] = alias.name if alias.asname else alias.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom) and node.module:
            for alias in node.names:
                names[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return names


def _within(module, prefixes):
    return any(module == p or module.startswith(p + ".") for p in prefixes)


def _uses(tree, imports):
    """[(rule, what)] for everything in ``tree`` that some rule is about; ``imports``: every imported name."""
    imports = {**imports, **_imported_names(tree)}
    written = set()  # getattr(x, "name") and magics from the list: read as the name they write
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            found += _call_uses(node, written)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            found += _import_uses(node)
        elif isinstance(node, ast.Name) and id(node) not in written:
            found += _name_uses(node.id, imports)
        elif isinstance(node, ast.Attribute):
            found += _attribute_uses(node, imports)
    return found


def _import_uses(node):
    if isinstance(node, ast.ImportFrom) and (node.level or not node.module):
        return [("readable", "from . import")]
    modules = ([alias.name for alias in node.names] if isinstance(node, ast.Import) else
               [f"{node.module}.{alias.name}" for alias in node.names] if node.module == "autograder" else [node.module])
    return [use for module in modules for use in _module_uses(module)]


def _module_uses(module):
    if module.split(".")[0] == "autograder":
        return [] if module in PUBLIC else [("autograder", f"import {module}")]
    uses = [("torch", f"import {module}")] if _within(module, ("torch",)) else []
    uses += [("autograd", f"import {module}")] if _within(module, AUTOGRAD_MODULES) else []
    # a package above an allowed module (import IPython for IPython.display) is not allowed itself
    uses += [] if _within(module, MODULES) else [("readable", f"import {module}")]
    return uses


def _name_uses(name, imports):
    if name in DYNAMIC:
        return [("readable", name)]
    module = imports.get(name, "")
    uses = [("torch", name)] if _within(module, ("torch",)) else []
    uses += [("autograd", name)] if _within(module, AUTOGRAD_MODULES) else []
    uses += [("autograder", name)] if module.split(".")[0] == "autograder" and module not in PUBLIC else []
    return uses


def _attribute_uses(node, imports):
    return _attribute_name_uses(node.attr, _root(node), imports, ast.unparse(node)[:60])


def _attribute_name_uses(attr, root, imports, text=""):
    uses = []
    if attr.startswith("__") and attr not in DUNDERS:
        uses.append(("readable", f".{attr}"))
    elif attr.startswith("_") and not attr.startswith("__") and root not in OWN:
        uses.append(("readable", f".{attr}"))  # another object's private machinery
    if attr in OUTSIDE:
        uses.append(("readable", f".{attr}"))
    if attr in AUTOGRAD:
        uses.append(("autograd", f".{attr}"))
    module = imports.get(root, "")
    if (module == "autograder" and attr not in PUBLIC_NAMES) or (module in PUBLIC and attr in INSIDES):
        uses.append(("autograder", text or f"{root}.{attr}"))
    return uses


def _call_uses(call, written):
    """getattr & co. and get_ipython(): readable only with a written name, a magic only from the list."""
    fn = call.func
    if isinstance(fn, ast.Name) and fn.id in ("getattr", "setattr", "delattr", "hasattr"):
        if len(call.args) < 2 or not _text(call.args[1]):
            return [("readable", f"{fn.id}(…) with a name made at run time")]
        written.add(id(fn))
        return _attribute_name_uses(call.args[1].value, _root(call.args[0]), {})
    if isinstance(fn, ast.Attribute) and isinstance(fn.value, ast.Call) and _is_name(fn.value.func, "get_ipython"):
        written.add(id(fn.value.func))
        magic = call.args[0].value if call.args and _text(call.args[0]) else None
        if fn.attr in ("run_line_magic", "run_cell_magic") and magic in MAGICS:
            return []
        return [("readable", f"get_ipython().{fn.attr}" + (f"({magic!r})" if magic else ""))]
    return []


def _text(node):
    return isinstance(node, ast.Constant) and isinstance(node.value, str)


def _is_name(node, name):
    return isinstance(node, ast.Name) and node.id == name


def _root(node):
    while isinstance(node, (ast.Attribute, ast.Call, ast.Subscript)):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else None


# ---------------------------------------------------------------- in JupyterLab: the kernel's own cells

def in_kernel(fn, guard):
    """(rule, what) for the first rule the student's ``fn`` breaks under ``guard``, read from every cell the
    kernel has run, in order (the last definition of a name is the one it keeps, as when graded); None
    outside IPython. A cell deleted without restarting the kernel still ran in it, and still counts."""
    reading = _kernel()
    return None if reading is None else reading.broken(getattr(fn, "__name__", None), guard)


def _kernel():
    """A Reading of every cell this IPython kernel has run, or None outside IPython."""
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    shell = get_ipython()
    if shell is None:
        return None
    cells = list(shell.user_ns.get("In", []))
    if _kernel_reading[0] != cells:
        _kernel_reading[:] = [cells, read([(f"In[{k}]", source) for k, source in enumerate(cells) if source])]
    return _kernel_reading[1]


_kernel_reading = [None, None]  # the cells last read in this kernel, and their Reading


# ---------------------------------------------------------------- naming what a line of the answer does

def definition(fn):
    """The syntax tree of the student's function ``fn`` as the grader read it (the judge's handle on the
    student's process keeps a Reading) or as the kernel ran it; None where neither can be read."""
    name = getattr(fn, "name", None) if not callable(getattr(fn, "__code__", None)) else fn.__name__
    reading = next((owner.reading for owner in (getattr(fn, "process", None), getattr(fn, "probe", None))
                    if isinstance(getattr(owner, "reading", None), Reading)), None) or _kernel()
    found = reading.statements.get(name) if reading is not None and isinstance(name, str) else None
    return found[-1][1] if found else None


def in_place_lines(fn, position):
    """The lines of the student's ``fn`` that change in place the value it returns at ``position`` (of a
    returned tuple): an ``out=`` argument, a method ending in ``_``, ``inplace=True``, or a change made through
    a name assigned to it (the alias's line, then the change's). (its name, [lines]), or None when the code
    cannot be read here or no such line is found."""
    tree = definition(fn)
    if not isinstance(tree, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return None
    returned = [node.value.elts[position] for node in ast.walk(tree) if isinstance(node, ast.Return)
                and isinstance(node.value, ast.Tuple) and len(node.value.elts) > position]
    if not returned or not isinstance(returned[-1], ast.Name):
        return None
    target = returned[-1].id
    names, aliases = {target}, []
    statements = sorted((node for node in ast.walk(tree) if isinstance(node, ast.stmt) and node is not tree),
                        key=lambda node: (node.lineno, node.col_offset))
    for statement in statements:
        line = ast.unparse(statement).splitlines()[0]
        if isinstance(statement, ast.Assign) and isinstance(statement.value, ast.Name) and statement.value.id in names:
            names |= {t.id for t in statement.targets if isinstance(t, ast.Name)}
            aliases.append(line)
            continue
        if _changes(statement, names):
            return target, [*aliases, line]
    return None


def _changes(statement, names):
    """Whether ``statement`` changes in place a value bound to one of ``names``."""
    def bound(node):
        return isinstance(node, ast.Name) and node.id in names

    if isinstance(statement, (ast.Assign, ast.AugAssign)):
        targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
        if any(isinstance(t, ast.Subscript) and bound(t.value) for t in targets):
            return True
        if isinstance(statement, ast.AugAssign) and bound(statement.target):
            return True
    for node in ast.walk(statement):
        if not isinstance(node, ast.Call):
            continue
        keywords = {k.arg: k.value for k in node.keywords}
        if bound(keywords.get("out")):
            return True
        fn = node.func
        method = fn.attr if isinstance(fn, ast.Attribute) else fn.id if isinstance(fn, ast.Name) else ""
        in_place = method.endswith("_") and not method.startswith("_")
        if in_place and isinstance(fn, ast.Attribute) and bound(fn.value):
            return True
        first = node.args[0] if node.args else None
        if bound(first) and (in_place or (isinstance(keywords.get("inplace"), ast.Constant) and keywords["inplace"].value is True)):
            return True
        if method in ("maximum", "minimum", "clip", "fmax") and len(node.args) == (4 if method == "clip" else 3) and bound(node.args[-1]):
            return True
    return False
