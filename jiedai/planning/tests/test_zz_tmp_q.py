from jiedai.planning.tests.test_itinerary_views import *  # noqa

def test_show(client, people):
    reception = visit(people)
    add_item(people, reception, at(1, 9), at(1, 10))
    add_staff(people, reception, "sales_rep", role="lead")
    login(client, people, "sales_rep")
    client.get(url("itinerary", reception))
    with CaptureQueriesContext(connection) as q:
        client.get(url("itinerary", reception))
    for x in q.captured_queries:
        print(x["sql"][:230])
