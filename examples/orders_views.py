"""Order views of a small Django shop: the README's demonstration at the default threshold.

Every view requires a signed-in customer, and each one carries one defect a
customer can trigger. Run ``flake8 --select=ASA examples/`` to see them; add
``--asa-confidence=low`` for the review lens (every DB call without error
handling, and the object layer in ``widget_objects.py``).
"""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.db import DatabaseError
from django.http import JsonResponse
from django.shortcuts import get_object_or_404
from django.views import View

from shop.models import Order, Review


class OrderDetailView(LoginRequiredMixin, View):
    def get(self, request, pk):
        # Signed in is not the same as allowed: any customer can read any order by its number.
        order = get_object_or_404(Order, pk=pk)
        return JsonResponse({'id': order.pk, 'total': str(order.total), 'address': order.address})


class OrderCancelView(LoginRequiredMixin, View):
    def post(self, request, pk):
        order = get_object_or_404(Order, pk=pk, user=request.user)
        order.status = 'cancelled'
        try:
            order.save()
        except DatabaseError:
            # The customer is told the order is cancelled; the row still says it is open.
            pass
        return JsonResponse({'status': 'cancelled'})


class OrderNoteView(LoginRequiredMixin, View):
    def post(self, request, pk):
        order = Order.objects.get(pk=pk, user=request.user)  # a wrong pk is a 500, not a 404
        try:
            # Whatever the client posts is stored as it came.
            order.note = request.POST['note']
            order.save()
        except DatabaseError as exc:
            # The driver's message (SQL, table and column names, values) goes to the client.
            return JsonResponse({'error': str(exc)}, status=500)
        return JsonResponse({'ok': True})


class ReviewCreateView(LoginRequiredMixin, View):
    def post(self, request, pk):
        order = get_object_or_404(Order, pk=pk, user=request.user)
        # Two requests sent together both see no review, and both insert one.
        if Review.objects.filter(order=order).exists():
            return JsonResponse({'error': 'already reviewed'}, status=409)
        Review.objects.create(order=order, stars=int(request.POST['stars']))
        return JsonResponse({'ok': True}, status=201)
