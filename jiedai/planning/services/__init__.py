"""Writes for reception plans, one module per part of the plan. Each write runs in one transaction with the plan
row locked (plan.plan_for_change), checks the plan's state, records the change in PlanHistory and notifies."""
