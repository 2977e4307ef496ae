"""Import a package's argument parser with its heavy runtime deps (torch, numpy, CUDA libs)
replaced by inert stand-ins, so the parser the engine itself builds can be used on a CPU box."""
import abc, importlib.abc, importlib.machinery, sys, types


# Accelerator namespaces that engines probe with hasattr(torch, ...) to pick a platform:
# absent, so the stand-in torch looks like a plain CPU build.
_ABSENT = {"npu", "xpu", "hpu", "musa", "mlu", "mps"}


class _AnyMeta(abc.ABCMeta):
    def __iter__(cls): return iter(())
    def __len__(cls): return 0
    def __getitem__(cls, k): return cls
    def __or__(cls, o): return cls
    __ror__ = __or__
    def __mro_entries__(cls, bases): return ()
    def __add__(cls, o): return o if isinstance(o, (list, tuple, str)) else cls
    __radd__ = __add__
    def __contains__(cls, o): return False
    def register(cls, *a, **k): return a[0] if a else cls  # not ABCMeta.register
    def __eq__(cls, o): return True
    def __ne__(cls, o): return False
    def __hash__(cls): return id(cls)
    def __lt__(cls, o): return False
    __gt__ = __le__ = __ge__ = __lt__
    def __int__(cls): return 0
    def __index__(cls): return 0
    def __float__(cls): return 0.0
    def __bool__(cls): return False
    def __getattr__(cls, name):
        if (name.startswith("__") and name.endswith("__")) or name in _ABSENT:
            raise AttributeError(name)
        sub = _AnyMeta(name, (_Any,), {})
        setattr(cls, name, sub)
        return sub


class _Any(metaclass=_AnyMeta):
    """Anything: attribute, call, subclass base, decorator, iterable (empty), number-ish."""
    __version__ = "99.0.0"

    @classmethod
    def __get_pydantic_core_schema__(cls, source, handler):
        from pydantic_core import core_schema  # only when a pydantic model names a stand-in
        return core_schema.any_schema()

    def __init__(self, *a, **k): pass
    def __getattr__(self, name):
        if name in ("__wrapped__", "__signature__", "__func__", "__func__"):
            raise AttributeError(name)
        if name == "__version__":
            return "99.0.0"
        return _Any()
    def __call__(self, *a, **k):
        if len(a) == 1 and callable(a[0]) and not k:
            return a[0]  # used as a decorator
        return _Any()
    def __mro_entries__(self, bases): return ()
    def __iter__(self): return iter(())
    def __len__(self): return 0
    def __bool__(self): return False
    def __getitem__(self, k): return _Any()
    def __or__(self, o): return _Any()
    __ror__ = __or__
    def __int__(self): return 0
    def __index__(self): return 0
    def __float__(self): return 0.0
    def __str__(self): return "stub"
    def __lt__(self, o): return False
    __gt__ = __le__ = __ge__ = __lt__
    # Import-time sanity checks compare stand-in values with real ones (dtype sizes…): agree.
    def __eq__(self, o): return True
    def __ne__(self, o): return False
    def __hash__(self): return id(self)
    def __enter__(self): return self
    def __exit__(self, *a): return False
    def __add__(self, o): return _Any()
    __radd__ = __sub__ = __mul__ = __rmul__ = __truediv__ = __add__


class _Stub(types.ModuleType):
    __path__ = []
    __version__ = "99.0.0"
    def __getattr__(self, name):
        if (name.startswith("__") and name.endswith("__")) or name in _ABSENT:
            raise AttributeError(name)
        # A fresh class per name: code that patches an attribute of one stub must not
        # change every other stub.
        cls = _AnyMeta(name, (_Any,), {})
        setattr(self, name, cls)
        return cls


class _Finder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def __init__(self, stub_roots):
        self.stub_roots = set(stub_roots)
    def find_spec(self, fullname, path, target=None):
        if not any(fullname == r or fullname.startswith(r + ".") for r in self.stub_roots):
            return None
        return importlib.machinery.ModuleSpec(fullname, self, is_package=True)
    def create_module(self, spec):
        return _Stub(spec.name)
    def exec_module(self, module):
        pass


def install(stub_roots):
    """Stand in for the named packages and their submodules, installed or not."""
    sys.meta_path.insert(0, _Finder(stub_roots))
