from django.urls import path

from . import views

app_name = "rewards"
urlpatterns = [
    path("", views.mall, name="mall"),
    path("<int:gift_id>/", views.gift, name="gift"),
    path("<int:gift_id>/redeem/", views.redeem, name="redeem"),
    path("vouchers/", views.vouchers, name="vouchers"),
    path("vouchers/<str:code>/", views.voucher, name="voucher"),
    path("vouchers/<str:code>/cancel/", views.voucher_cancel, name="voucher_cancel"),
    # The keeper's counter in the staff console; a voucher's QR opens it with #code= (posted by its script).
    path("pickup/", views.pickup, name="pickup"),
]
