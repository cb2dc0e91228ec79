"""The coordinator's workspace, one module per concern; coordinator/urls.py maps them.

Every view finds its objects through the access helpers of ``access`` (over
Cohort.objects.visible_to(user) or the user's counties): another county's cohort, session or
learner is a 404, as is the workspace for a user who coordinates nothing.
"""
