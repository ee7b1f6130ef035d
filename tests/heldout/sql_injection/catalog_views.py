"""Catalog views for the shop (Django)."""

from __future__ import annotations

import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import connection, transaction
from django.db.models import Count, F, Q
from django.db.models.expressions import RawSQL
from django.http import HttpRequest, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from .models import Category, Product

logger = logging.getLogger(__name__)

PAGE_SIZE = 24


@require_GET
def search(request: HttpRequest):
    q = request.GET.get("q", "").strip()
    products = Product.objects.raw(f"SELECT * FROM shop_product WHERE name ILIKE '%%{q}%%'")  # expect: sql-injection
    return render(request, "shop/search.html", {"products": products, "q": q})


@require_GET
def search_safe(request: HttpRequest):
    q = request.GET.get("q", "").strip()
    products = Product.objects.raw(
        "SELECT * FROM shop_product WHERE name ILIKE %s ORDER BY name",
        [f"%{q}%"],
    )
    return render(request, "shop/search.html", {"products": products, "q": q})


@require_GET
def search_orm(request: HttpRequest):
    q = request.GET.get("q", "")
    products = (
        Product.objects.filter(Q(name__icontains=q) | Q(sku__iexact=q))
        .select_related("category")
        .order_by("name")[:PAGE_SIZE]
    )
    return render(request, "shop/search.html", {"products": products, "q": q})


@require_GET
def cheap_products(request: HttpRequest):
    min_price = request.GET.get("min", "0")
    qs = Product.objects.extra(where=["price > %s" % min_price])  # expect: sql-injection
    return JsonResponse({"ids": list(qs.values_list("id", flat=True))})


@require_GET
def cheap_products_safe(request: HttpRequest):
    min_price = request.GET.get("min", "0")
    qs = Product.objects.extra(where=["price > %s"], params=[min_price])
    return JsonResponse({"ids": list(qs.values_list("id", flat=True))})


@login_required
@require_POST
def bump_views(request: HttpRequest, slug: str):
    with connection.cursor() as cursor:
        cursor.execute("UPDATE shop_product SET views = views + 1 WHERE slug = '" + slug + "'")  # expect: sql-injection
    return redirect("shop:detail", slug=slug)


@login_required
@require_POST
def bump_views_safe(request: HttpRequest, slug: str):
    with connection.cursor() as cursor:
        cursor.execute("UPDATE shop_product SET views = views + 1 WHERE slug = %s", [slug])
    Product.objects.filter(slug=slug).update(popularity=F("popularity") + 1)
    messages.success(request, f"Thanks for looking at {slug}")
    return redirect("shop:detail", slug=slug)


def products_with_tenant_rank(request: HttpRequest):
    tenant = request.headers.get("X-Tenant", "public")
    qs = Product.objects.annotate(
        rank=RawSQL("SELECT rank FROM tenant_ranks WHERE tenant = '%s' AND product_id = shop_product.id" % tenant, ()),  # expect: sql-injection
    )
    return JsonResponse({"ranks": list(qs.values("id", "rank"))})


def products_with_tenant_rank_safe(request: HttpRequest):
    tenant = request.user.profile.tenant_id
    qs = Product.objects.annotate(
        rank=RawSQL(
            "SELECT rank FROM tenant_ranks WHERE tenant_id = %s AND product_id = shop_product.id",
            (tenant,),
        ),
    )
    return JsonResponse({"ranks": list(qs.values("id", "rank"))})


def category_counts(request: HttpRequest):
    data = Category.objects.annotate(n=Count("products")).values("slug", "n")
    return JsonResponse({"categories": list(data)})


def sorted_products(request: HttpRequest):
    order = request.GET.get("order", "name")
    products = Product.objects.raw("SELECT * FROM shop_product ORDER BY %s" % order)  # expect: sql-injection
    return render(request, "shop/list.html", {"products": products})


@transaction.atomic
def reorder_category(request: HttpRequest, pk: int):
    category = get_object_or_404(Category, pk=pk)
    ids = [int(x) for x in request.POST.getlist("ids")]
    with connection.cursor() as cursor:
        for position, product_id in enumerate(ids):
            cursor.execute(
                "UPDATE shop_product SET position = %s WHERE id = %s AND category_id = %s",
                [position, product_id, category.pk],
            )
    logger.info("reordered %d products in %s", len(ids), category.slug)
    return redirect("shop:category", slug=category.slug)


def stock_report(request: HttpRequest):
    warehouse = request.GET["warehouse"]
    with connection.cursor() as cursor:
        sql = (
            "SELECT p.sku, s.quantity FROM shop_stock s "
            "JOIN shop_product p ON p.id = s.product_id "
            f"WHERE s.warehouse_code = '{warehouse}'"
        )
        cursor.execute(sql)  # expect: sql-injection
        rows = cursor.fetchall()
    return JsonResponse({"rows": rows})


@require_GET
def product_export(request: HttpRequest):
    qs = Product.objects.extra(select={"age_days": "current_date - created_at::date"})
    column = request.GET.get("column", "created_at")
    aged = Product.objects.extra(select={"age": f"now() - {column}"})  # expect: sql-injection
    return JsonResponse({"a": list(qs.values("id", "age_days")), "b": aged.count()})
