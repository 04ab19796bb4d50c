"""Use cases that span domains, with their HTTP routes.

Each domain serves what is its own; a use case that needs several (an account made with
the invitation that earns its coupons, a sign-in that the risk rules may lock) lives
here, above every domain it composes, so no domain reaches up into another.
"""
