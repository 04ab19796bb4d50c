"""Quality control: spot checks of finished orders by quality inspectors, and the
technicians' deposits (保证金) that failed checks are taken from."""
