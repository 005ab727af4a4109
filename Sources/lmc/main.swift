print("lmc")
