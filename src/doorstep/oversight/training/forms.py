"""Forms of the training screens: they read what people type; the services decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from doorstep.oversight.models import TOPIC_LABELS, Course
from doorstep.staff.models import Role


class CompletionForm(forms.Form):
    course = forms.ModelChoiceField(
        label=_("Course"), queryset=Course.objects.filter(is_active=True)
    )
    completed_on = forms.DateField(
        label=_("Completed on"), widget=forms.DateInput(attrs={"type": "date"})
    )
    score = forms.IntegerField(label=_("Score"), min_value=0, max_value=100)


class CourseForm(forms.Form):
    code = forms.SlugField(label=_("Code"), max_length=40)
    title_zh = forms.CharField(label=_("Title (Chinese)"), max_length=120)
    title_en = forms.CharField(label=_("Title (English)"), max_length=120)
    topic = forms.ChoiceField(
        label=_("Topic"), choices=[(k.value, v) for k, v in TOPIC_LABELS.items()]
    )
    mandatory_roles = forms.MultipleChoiceField(
        label=_("Mandatory for"),
        choices=Role.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    validity_months = forms.IntegerField(
        label=_("Valid for (months)"), min_value=1, max_value=60, initial=12
    )
    pass_score = forms.IntegerField(label=_("Pass mark"), min_value=0, max_value=100, initial=80)


class AssignForm(forms.Form):
    course = forms.ModelChoiceField(
        label=_("Course"), queryset=Course.objects.filter(is_active=True)
    )
    due_on = forms.DateField(label=_("Due"), widget=forms.DateInput(attrs={"type": "date"}))
