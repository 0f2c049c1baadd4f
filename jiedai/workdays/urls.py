
app_name = "workdays"

urlpatterns: list = []
