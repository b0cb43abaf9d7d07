print("selfcare")
