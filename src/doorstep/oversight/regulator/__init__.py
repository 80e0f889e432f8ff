"""The quarterly complaint and collection-conduct report for the regulator and the industry
association: the figures, their exports (CSV, Excel, PDF) and the ledger record of each export."""
