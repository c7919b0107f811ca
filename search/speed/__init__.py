"""How fast this machine trains: its measured peak, a model's FLOPs, the compute a search
spent, and the fastest training settings chosen once per machine."""
