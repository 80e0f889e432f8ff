"""Pure routing core: plain data in, plain data out, no Django import (PyVRP 0.14, numpy)."""
