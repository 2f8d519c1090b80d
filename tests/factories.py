"""Factories for tests (factory-boy, Faker in zh_CN)."""

from __future__ import annotations

import factory
from factory.django import DjangoModelFactory

from customers.models import Account, Contact
from org.models import Membership, Team, User

factory.Faker._DEFAULT_LOCALE = "zh_CN"


class UserFactory(DjangoModelFactory[User]):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    display_name = factory.Faker("name")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.test")
    password = factory.django.Password("pass-word-123")


class TeamFactory(DjangoModelFactory[Team]):
    class Meta:
        model = Team

    name = factory.Sequence(lambda n: f"团队{n}")
    name_en = factory.Sequence(lambda n: f"Team {n}")


class MembershipFactory(DjangoModelFactory[Membership]):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    team = factory.SubFactory(TeamFactory)
    role = "rep"


class AccountFactory(DjangoModelFactory[Account]):
    class Meta:
        model = Account

    name = factory.Faker("company")
    industry = "软件"
    city = factory.Faker("city_name")
    owner = factory.SubFactory(UserFactory)


class ContactFactory(DjangoModelFactory[Contact]):
    class Meta:
        model = Contact

    account = factory.SubFactory(AccountFactory)
    owner = factory.SelfAttribute("account.owner")
    name = factory.Faker("name")
    email = factory.Faker("email")
