"""The fast refund service: rules, logic and storage shared by every function (shipped as one layer)."""
